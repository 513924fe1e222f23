import Router from "@koa/router";
import { invalidInput } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { deviceAction, massResync, MassResyncInput } from "../../registrations/actions.ts";
import { cancelForceUnregister, enableExtension, forceUnregister, ForceUnregisterInput, presentForceUnregister } from "../../registrations/force-unregister.ts";
import { handleRegistrarEvent } from "../../registrations/registrar-webhook.ts";
import type { SipSettings } from "../../registrations/sip-settings.ts";
import { deviceStatus, extensionStatus, listRegistrations } from "../../registrations/views.ts";
import { requireRole, type AdminContext, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

const queryString = queryParam;
const actorOf = (ctx: AdminContext): string => `token:${ctx.state.tokenName}`;
/** Background NOTIFY work must never surface as an unhandled rejection. */
const detach = (deps: ProvisionDeps, p: Promise<unknown>) => p.catch((err) => deps.logger.error({ err }, "NOTIFY job failed"));

/** Registrations, the registrar webhook, resync / reboot / force-unregister actions. */
export function registrationRoutes(deps: ProvisionDeps, sip: SipSettings): Router<AdminState> {
  const r = new Router<AdminState>();
  const operator = (ctx: AdminContext) => requireRole(ctx, "admin", "technician");

  r.post("/registrations/events", async (ctx) => {
    requireRole(ctx, "registrar", "admin");
    const row = await handleRegistrarEvent(deps, ctx.request.body, `registrar:${ctx.state.tokenName}`);
    ctx.body = { state: row.state, since: new Date(row.since).toISOString(), expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString() };
  });
  r.get("/registrations", async (ctx) => {
    const tenant = queryString(ctx, "tenant");
    const extension = queryString(ctx, "extension");
    if (extension !== undefined && tenant === undefined) throw invalidInput("extension: filtering by extension needs tenant as well");
    ctx.body = { registrations: await listRegistrations(deps, { tenant, extension, mac: queryString(ctx, "mac") }) };
  });
  r.get("/devices/:mac/registration", async (ctx) => {
    ctx.body = await deviceStatus(deps, ctx.params.mac!);
  });
  r.get("/tenants/:tenant/extensions/:number/registration", async (ctx) => {
    ctx.body = await extensionStatus(deps, ctx.params.tenant!, ctx.params.number!);
  });
  for (const action of ["resync", "reboot"] as const) {
    r.post(`/devices/:mac/${action}`, async (ctx) => {
      operator(ctx);
      const { job, done } = await deviceAction(deps, sip, ctx.params.mac!, action, actorOf(ctx));
      void detach(deps, done);
      ctx.status = 202;
      ctx.body = { action, mac: job.device.mac, target: `${job.plan.target.transport}:${job.plan.target.host}:${job.plan.target.port}`, via: job.plan.via };
    });
  }
  r.post("/tenants/:tenant/resync", async (ctx) => {
    operator(ctx);
    const body = MassResyncInput.parse(ctx.request.body ?? {});
    const { queued, skipped, done } = await massResync(deps, sip, { tenant: ctx.params.tenant!, model: body.model }, actorOf(ctx));
    void detach(deps, done);
    ctx.status = 202;
    ctx.body = { queued, skipped };
  });
  r.post("/tenants/:tenant/extensions/:number/resync", async (ctx) => {
    operator(ctx);
    const { queued, skipped, done } = await massResync(deps, sip, { tenant: ctx.params.tenant!, extension: ctx.params.number! }, actorOf(ctx));
    void detach(deps, done);
    ctx.status = 202;
    ctx.body = { queued, skipped };
  });
  r.post("/tenants/:tenant/extensions/:number/force-unregister", async (ctx) => {
    requireRole(ctx, "admin");
    const input = ForceUnregisterInput.parse(ctx.request.body ?? {});
    const { request, done } = await forceUnregister(deps, sip, ctx.params.tenant!, ctx.params.number!, input, actorOf(ctx));
    void detach(deps, done);
    ctx.status = 202;
    ctx.body = request;
  });
  r.post("/tenants/:tenant/extensions/:number/enable", async (ctx) => {
    requireRole(ctx, "admin");
    await enableExtension(deps, ctx.params.tenant!, ctx.params.number!, actorOf(ctx));
    ctx.status = 204;
  });
  const requestId = (ctx: AdminContext): number => {
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id) || id < 1) throw invalidInput(`id: "${String(ctx.params.id).slice(0, 20)}" is not a request id`);
    return id;
  };
  r.get("/force-unregisters/:id", async (ctx) => {
    ctx.body = await presentForceUnregister(deps, requestId(ctx));
  });
  r.post("/force-unregisters/:id/cancel", async (ctx) => {
    requireRole(ctx, "admin");
    ctx.body = await cancelForceUnregister(deps, requestId(ctx), actorOf(ctx));
  });
  return r;
}
