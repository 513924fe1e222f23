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
import { readExtensionGroups, setExtensionGroups } from "../../services/groups.ts";
import { addPhoneNumber, readPhoneNumbers, removePhoneNumber } from "../../services/phone-numbers.ts";
import { readTenant } from "../../services/tenants.ts";
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
    put: (d: ProvisionDeps, t: string, n: string, v: z.infer<S>) => Promise<{ settings: ExtensionSettings }>,
  ): void {
    r.get(`${BASE}/${path}`, async (ctx) => {
      ctx.body = (await readSettings(deps, ...p(ctx))).settings[key];
    });
    r.put(`${BASE}/${path}`, async (ctx) => {
      admin(ctx);
      ctx.body = (await put(deps, ...p(ctx), schema.parse(ctx.request.body))).settings[key];
    });
  }
  section("profile", "profile", ProfileInput, putProfile);
  section("number-settings", "numberSettings", NumberSettingsInput, putNumberSettings);
  section("call-waiting", "callWaiting", CallWaitingInput, putCallWaiting);
  section("monitoring", "monitoring", MonitoringInput, putMonitoring);
  section("forwarding", "forwarding", ForwardingInput, putForwarding);

  // The PIN is sealed: opened for admins, left out for every other role.
  r.get(`${BASE}/voicemail`, async (ctx) => {
    ctx.body = presentVoicemail(deps.secrets, (await readSettings(deps, ...p(ctx))).settings, seesSecrets(ctx));
  });
  r.put(`${BASE}/voicemail`, async (ctx) => {
    admin(ctx);
    ctx.body = presentVoicemail(deps.secrets, (await putVoicemail(deps, ...p(ctx), VoicemailInput.parse(ctx.request.body))).settings, true);
  });

  r.get(`${BASE}/allowed-endpoints`, async (ctx) => {
    ctx.body = presentEndpoints(deps.secrets, await readSettings(deps, ...p(ctx)), seesSecrets(ctx));
  });
  r.put(`${BASE}/allowed-endpoints`, async (ctx) => {
    admin(ctx);
    ctx.body = presentEndpoints(deps.secrets, await putAllowedEndpoints(deps, ...p(ctx), AllowedEndpointsInput.parse(ctx.request.body)), true);
  });

  r.get(`${BASE}/forwarding/effective`, async (ctx) => {
    const atText = queryParam(ctx, "at");
    const at = atText !== undefined ? new Date(atText) : deps.clock();
    if (Number.isNaN(at.getTime())) throw invalidInput("at: must be an ISO 8601 instant such as 2026-06-01T09:30:00Z");
    const { settings } = await readSettings(deps, ...p(ctx));
    ctx.body = effectiveForwarding(settings.forwarding, at, (await readTenant(deps, ctx.params.tenant!)).timeZone);
  });

  r.get(`${BASE}/phone-numbers`, async (ctx) => {
    ctx.body = { phoneNumbers: await readPhoneNumbers(deps, ...p(ctx)) };
  });
  r.post(`${BASE}/phone-numbers`, async (ctx) => {
    admin(ctx);
    const phoneNumbers = await addPhoneNumber(deps, ...p(ctx), PhoneNumberInput.parse(ctx.request.body).number);
    ctx.status = 201;
    ctx.body = { phoneNumbers };
  });
  r.delete(`${BASE}/phone-numbers/:phoneNumber`, async (ctx) => {
    admin(ctx);
    ctx.body = { phoneNumbers: await removePhoneNumber(deps, ...p(ctx), ctx.params.phoneNumber!) };
  });

  r.get(`${BASE}/groups`, async (ctx) => {
    ctx.body = { groups: await readExtensionGroups(deps, ...p(ctx)) };
  });
  r.put(`${BASE}/groups`, async (ctx) => {
    admin(ctx);
    ctx.body = { groups: await setExtensionGroups(deps, ...p(ctx), GroupMembershipInput.parse(ctx.request.body).groups) };
  });

  r.get(`${BASE}/avatar`, async (ctx) => {
    const a = await getAvatar(deps, ...p(ctx));
    ctx.type = a.contentType;
    ctx.body = a.data;
  });
  r.put(`${BASE}/avatar`, async (ctx) => {
    admin(ctx);
    ctx.body = await putAvatar(deps, ...p(ctx), AvatarInput.parse(ctx.request.body));
  });
  r.delete(`${BASE}/avatar`, async (ctx) => {
    admin(ctx);
    await deleteAvatar(deps, ...p(ctx));
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
