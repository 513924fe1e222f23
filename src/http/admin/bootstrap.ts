import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { openBootstrapFromLastContact } from "../../services/bootstrap-windows.ts";
import { requireRole, type AdminState } from "./roles.ts";

/** POST /devices/{mac}/bootstrap: a zero-touch window for a phone imported before it called in (docs/onboarding.md). */
export function bootstrapRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.post("/devices/:mac/bootstrap", async (ctx) => {
    requireRole(ctx, "admin", "technician");
    // The phone's last request may still sit in the batched fetch log.
    deps.recorder.flush();
    ctx.body = await openBootstrapFromLastContact(deps, ctx.params.mac!);
  });
  return r;
}
