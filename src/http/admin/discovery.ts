import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { dismissDiscovered, listDiscovered } from "../../services/discovery.ts";
import { presentDiscovered } from "./presenters.ts";
import { requireRole, type AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

/** /discovered-devices: the inbox of phones that called in unknown. Claim one with POST /devices. */
export function discoveryRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.get("/discovered-devices", async (ctx) => {
    ctx.body = { devices: (await listDiscovered(deps, ["1", "true"].includes(queryParam(ctx, "all") ?? ""))).map(presentDiscovered) };
  });
  r.delete("/discovered-devices/:mac", async (ctx) => {
    requireRole(ctx, "admin", "technician");
    await dismissDiscovered(deps, ctx.params.mac!);
    ctx.status = 204;
  });
  return r;
}
