import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import {
  createExtension,
  deleteExtension,
  devicesUsingExtensionIn,
  listExtensions,
  loadExtension,
  numberWarnings,
  resetExtensionPassword,
  updateExtension,
} from "../../services/extensions.ts";
import { ExtensionInput, ExtensionPatch, FeatureCodesPatch, TenantInput, TenantPatch } from "../../services/schemas.ts";
import { createTenant, deleteTenant, listTenants, readFeatureCodes, readTenant, updateFeatureCodes, updateTenant } from "../../services/tenants.ts";
import { loadSettingsIn } from "../../services/extension-settings/store.ts";
import { extensionGroupNamesIn } from "../../services/extension-usage.ts";
import { phoneNumbersOfIn } from "../../services/phone-numbers.ts";
import { presentExtension, presentTenant } from "./presenters.ts";
import { requireRole, seesSecrets, type AdminContext, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

/** /tenants, /tenants/{tenant}/extensions, /tenants/{tenant}/feature-codes */
export function tenantRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  const ext = (ctx: AdminContext, e: Parameters<typeof presentExtension>[0]) =>
    presentExtension(e, seesSecrets(ctx) ? deps.secrets.open(e.sipPasswordEnc) : null);

  r.get("/tenants", async (ctx) => {
    ctx.body = { tenants: (await listTenants(deps)).map(presentTenant) };
  });
  r.post("/tenants", async (ctx) => {
    requireRole(ctx, "admin");
    const created = await createTenant(deps, TenantInput.parse(ctx.request.body));
    ctx.status = 201;
    ctx.body = presentTenant(created);
  });
  r.get("/tenants/:tenant", async (ctx) => {
    ctx.body = presentTenant(await readTenant(deps, ctx.params.tenant!));
  });
  r.patch("/tenants/:tenant", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = presentTenant(await updateTenant(deps, ctx.params.tenant!, TenantPatch.parse(ctx.request.body)));
  });
  r.delete("/tenants/:tenant", async (ctx) => {
    requireRole(ctx, "admin");
    await deleteTenant(deps, ctx.params.tenant!);
    ctx.status = 204;
  });
  r.get("/tenants/:tenant/feature-codes", async (ctx) => {
    ctx.body = { featureCodes: await readFeatureCodes(deps, ctx.params.tenant!) };
  });
  r.patch("/tenants/:tenant/feature-codes", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = { featureCodes: await updateFeatureCodes(deps, ctx.params.tenant!, FeatureCodesPatch.parse(ctx.request.body)) };
  });
  r.get("/tenants/:tenant/extensions", async (ctx) => {
    ctx.body = { extensions: (await listExtensions(deps, ctx.params.tenant!)).map((e) => ext(ctx, e)) };
  });
  r.post("/tenants/:tenant/extensions", async (ctx) => {
    requireRole(ctx, "admin");
    const created = await createExtension(deps, ctx.params.tenant!, ExtensionInput.parse(ctx.request.body));
    ctx.status = 201;
    // Numbering plan: a number in no recommended range is accepted with a warning.
    ctx.body = { ...ext(ctx, created), warnings: await numberWarnings(deps, ctx.params.tenant!, created.number) };
  });
  r.get("/tenants/:tenant/extensions/:number", async (ctx) => {
    ctx.body = await deps.data.read(async (q) => {
      const e = await loadExtension(q, ctx.params.tenant!, ctx.params.number!);
      return {
        ...ext(ctx, e),
        devices: await devicesUsingExtensionIn(q, e.id),
        username: (await loadSettingsIn(q, e)).username,
        groups: await extensionGroupNamesIn(q, e.id),
        phoneNumbers: await phoneNumbersOfIn(q, e.id),
      };
    });
  });
  r.patch("/tenants/:tenant/extensions/:number", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = ext(ctx, await updateExtension(deps, ctx.params.tenant!, ctx.params.number!, ExtensionPatch.parse(ctx.request.body)));
  });
  r.post("/tenants/:tenant/extensions/:number/reset-password", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = ext(ctx, await resetExtensionPassword(deps, ctx.params.tenant!, ctx.params.number!));
  });
  r.delete("/tenants/:tenant/extensions/:number", async (ctx) => {
    requireRole(ctx, "admin");
    const detach = ["1", "true"].includes(queryParam(ctx, "detach") ?? "");
    await deleteExtension(deps, ctx.params.tenant!, ctx.params.number!, { detach });
    ctx.status = 204;
  });
  return r;
}
