import Router from "@koa/router";
import { z } from "zod";
import { effectiveForwarding } from "../../domain/effective-forwarding.ts";
import { invalidInput } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { deleteAvatar, getAvatar, putAvatar } from "../../services/avatar.ts";
import { duplicateExtension } from "../../services/extension-actions.ts";
import {
  AllowedEndpointsInput,
  AvatarInput,
  CallWaitingInput,
  DuplicateInput,
  ForwardingInput,
  GroupMembershipInput,
  MonitoringInput,
  NumberSettingsInput,
  PhoneNumberInput,
  ProfileInput,
  VoicemailInput,
} from "../../services/extension-settings/schemas.ts";
import {
  putAllowedEndpoints,
  putCallWaiting,
  putForwarding,
  putMonitoring,
  putNumberSettings,
  putProfile,
  putVoicemail,
  readSettings,
} from "../../services/extension-settings/sections.ts";
import { numberWarnings } from "../../services/extensions.ts";
import { setExtensionGroups } from "../../services/groups-sync.ts";
import { extensionGroupNames } from "../../services/extension-usage.ts";
import { addPhoneNumber, phoneNumbersOf, removePhoneNumber } from "../../services/phone-numbers.ts";
import { getTenant } from "../../services/tenants.ts";
import type { ExtensionSettings } from "../../services/extension-settings/store.ts";
import { presentEndpoints, presentVoicemail } from "./extension-presenters.ts";
import { presentExtension } from "./presenters.ts";
import { requireRole, seesSecrets, type AdminContext, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

const BASE = "/tenants/:tenant/extensions/:number";

/** The portal guide's sections of one extension, each its own sub-resource (docs/extensions.md). */
export function extensionSettingsRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const p = (ctx: AdminContext) => [ctx.params.tenant!, ctx.params.number!] as const;
  const admin = (ctx: AdminContext) => requireRole(ctx, "admin");

  /** GET and PUT of a plain JSON section. */
  function section<S extends z.ZodType>(
    path: string,
    key: "profile" | "numberSettings" | "callWaiting" | "monitoring" | "forwarding",
    schema: S,
    put: (d: ProvisionDeps, t: string, n: string, v: z.infer<S>) => { settings: ExtensionSettings },
  ): void {
    r.get(`${BASE}/${path}`, (ctx) => {
      ctx.body = readSettings(deps, ...p(ctx)).settings[key];
    });
    r.put(`${BASE}/${path}`, (ctx) => {
      admin(ctx);
      ctx.body = put(deps, ...p(ctx), schema.parse(ctx.request.body)).settings[key];
    });
  }
  section("profile", "profile", ProfileInput, putProfile);
  section("number-settings", "numberSettings", NumberSettingsInput, putNumberSettings);
  section("call-waiting", "callWaiting", CallWaitingInput, putCallWaiting);
  section("monitoring", "monitoring", MonitoringInput, putMonitoring);
  section("forwarding", "forwarding", ForwardingInput, putForwarding);

  // The PIN is sealed: opened for admins, left out for every other role.
  r.get(`${BASE}/voicemail`, (ctx) => {
    ctx.body = presentVoicemail(deps.secrets, readSettings(deps, ...p(ctx)).settings, seesSecrets(ctx));
  });
  r.put(`${BASE}/voicemail`, (ctx) => {
    admin(ctx);
    ctx.body = presentVoicemail(deps.secrets, putVoicemail(deps, ...p(ctx), VoicemailInput.parse(ctx.request.body)).settings, true);
  });

  r.get(`${BASE}/allowed-endpoints`, (ctx) => {
    const { ext, settings } = readSettings(deps, ...p(ctx));
    ctx.body = presentEndpoints(deps.db, deps.secrets, ext, settings, seesSecrets(ctx));
  });
  r.put(`${BASE}/allowed-endpoints`, (ctx) => {
    admin(ctx);
    const { ext, settings } = putAllowedEndpoints(deps, ...p(ctx), AllowedEndpointsInput.parse(ctx.request.body));
    ctx.body = presentEndpoints(deps.db, deps.secrets, ext, settings, true);
  });

  r.get(`${BASE}/forwarding/effective`, (ctx) => {
    const atText = queryParam(ctx, "at");
    const at = atText !== undefined ? new Date(atText) : deps.clock();
    if (Number.isNaN(at.getTime())) throw invalidInput("at: must be an ISO 8601 instant such as 2026-06-01T09:30:00Z");
    const { settings } = readSettings(deps, ...p(ctx));
    ctx.body = effectiveForwarding(settings.forwarding, at, getTenant(deps, ctx.params.tenant!).timeZone);
  });

  r.get(`${BASE}/phone-numbers`, (ctx) => {
    ctx.body = { phoneNumbers: phoneNumbersOf(deps.db, readSettings(deps, ...p(ctx)).ext.id) };
  });
  r.post(`${BASE}/phone-numbers`, (ctx) => {
    admin(ctx);
    ctx.status = 201;
    ctx.body = { phoneNumbers: addPhoneNumber(deps, ...p(ctx), PhoneNumberInput.parse(ctx.request.body).number) };
  });
  r.delete(`${BASE}/phone-numbers/:phoneNumber`, (ctx) => {
    admin(ctx);
    ctx.body = { phoneNumbers: removePhoneNumber(deps, ...p(ctx), ctx.params.phoneNumber!) };
  });

  r.get(`${BASE}/groups`, (ctx) => {
    ctx.body = { groups: extensionGroupNames(deps.db, readSettings(deps, ...p(ctx)).ext.id) };
  });
  r.put(`${BASE}/groups`, (ctx) => {
    admin(ctx);
    ctx.body = { groups: setExtensionGroups(deps, ...p(ctx), GroupMembershipInput.parse(ctx.request.body).groups) };
  });

  r.get(`${BASE}/avatar`, (ctx) => {
    const a = getAvatar(deps, ...p(ctx));
    ctx.type = a.contentType;
    ctx.body = a.data;
  });
  r.put(`${BASE}/avatar`, (ctx) => {
    admin(ctx);
    ctx.body = putAvatar(deps, ...p(ctx), AvatarInput.parse(ctx.request.body));
  });
  r.delete(`${BASE}/avatar`, (ctx) => {
    admin(ctx);
    deleteAvatar(deps, ...p(ctx));
    ctx.status = 204;
  });

  r.post(`${BASE}/duplicate`, async (ctx) => {
    admin(ctx);
    const input = DuplicateInput.parse(ctx.request.body);
    const copy = await duplicateExtension(deps, ...p(ctx), input);
    ctx.status = 201;
    ctx.body = { ...presentExtension(copy, deps.secrets.open(copy.sipPasswordEnc)), warnings: await numberWarnings(deps, ctx.params.tenant!, copy.number) };
  });
  return r;
}
