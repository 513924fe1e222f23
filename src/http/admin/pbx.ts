import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { extensionCredential, tenantCredentials } from "../../pbx/credentials.ts";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from "../../pbx/webhooks.ts";
import { AppError } from "../../errors.ts";
import { answerDirectory } from "../../pbx/freeswitch.ts";
import { listTenants } from "../../services/tenants.ts";
import { requireRole, requireTenant, visibleTenants, type AdminState } from "./roles.ts";

/** PBX-facing routes (docs/pbx.md): credentials for `pbx` tokens, the change-feed webhooks for admins. */
export function pbxRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.get("/pbx/tenants/:tenant/extensions", async (ctx) => {
    requireRole(ctx, "admin", "pbx");
    requireTenant(ctx, ctx.params.tenant!);
    ctx.body = { tenant: ctx.params.tenant, extensions: await tenantCredentials(deps, ctx.params.tenant!) };
  });
  r.get("/pbx/tenants/:tenant/extensions/:number", async (ctx) => {
    requireRole(ctx, "admin", "pbx");
    requireTenant(ctx, ctx.params.tenant!);
    ctx.body = await extensionCredential(deps, ctx.params.tenant!, ctx.params.number!);
  });
  r.get("/pbx/webhooks", async (ctx) => {
    requireRole(ctx, "admin", "technician", "readonly");
    ctx.body = { webhooks: await listWebhooks(deps) };
  });
  r.post("/pbx/webhooks", async (ctx) => {
    requireRole(ctx, "admin");
    const created = await createWebhook(deps, ctx.request.body);
    ctx.status = 201;
    ctx.body = created;
  });
  r.delete("/pbx/webhooks/:name", async (ctx) => {
    requireRole(ctx, "admin");
    await deleteWebhook(deps, ctx.params.name!);
    ctx.status = 204;
  });
  r.get("/pbx/deliveries", async (ctx) => {
    requireRole(ctx, "admin", "technician", "readonly");
    ctx.body = { deliveries: await listDeliveries(deps, ctx.query) };
  });
  // FreeSWITCH mod_xml_curl: form-encoded lookup in, freeswitch/xml out (docs/pbx.md).
  r.post("/pbx/freeswitch/directory", async (ctx) => {
    requireRole(ctx, "admin", "pbx");
    if (!ctx.is("application/x-www-form-urlencoded")) {
      throw new AppError(415, "unsupported_media_type", "send the lookup as application/x-www-form-urlencoded, as mod_xml_curl does");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length;
      if (size > 65_536) throw new AppError(413, "payload_too_large", "the form is larger than 64 KiB");
      chunks.push(chunk as Buffer);
    }
    const all = visibleTenants(ctx, (await listTenants(deps)).map((t) => t.name));
    const document = await answerDirectory(deps, Buffer.concat(chunks).toString("utf8"), (t) => all.includes(t));
    ctx.type = "text/xml";
    ctx.body = document;
  });
  return r;
}
