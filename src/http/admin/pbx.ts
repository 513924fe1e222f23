import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { extensionCredential, tenantCredentials } from "../../pbx/credentials.ts";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from "../../pbx/webhooks.ts";
import { requireRole, requireTenant, type AdminState } from "./roles.ts";

/** PBX-facing routes (docs/pbx.md): credentials for `pbx` tokens, the change-feed webhooks for admins. */
export function pbxRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.get("/pbx/tenants/:tenant/extensions", (ctx) => {
    requireRole(ctx, "admin", "pbx");
    requireTenant(ctx, ctx.params.tenant!);
    ctx.body = { tenant: ctx.params.tenant, extensions: tenantCredentials(deps, ctx.params.tenant!) };
  });
  r.get("/pbx/tenants/:tenant/extensions/:number", (ctx) => {
    requireRole(ctx, "admin", "pbx");
    requireTenant(ctx, ctx.params.tenant!);
    ctx.body = extensionCredential(deps, ctx.params.tenant!, ctx.params.number!);
  });
  r.get("/pbx/webhooks", (ctx) => {
    requireRole(ctx, "admin", "technician", "readonly");
    ctx.body = { webhooks: listWebhooks(deps) };
  });
  r.post("/pbx/webhooks", (ctx) => {
    requireRole(ctx, "admin");
    ctx.status = 201;
    ctx.body = createWebhook(deps, ctx.request.body);
  });
  r.delete("/pbx/webhooks/:name", (ctx) => {
    requireRole(ctx, "admin");
    deleteWebhook(deps, ctx.params.name!);
    ctx.status = 204;
  });
  r.get("/pbx/deliveries", (ctx) => {
    requireRole(ctx, "admin", "technician", "readonly");
    ctx.body = { deliveries: listDeliveries(deps, ctx.query) };
  });
  return r;
}
