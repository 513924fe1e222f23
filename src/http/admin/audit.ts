import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { parseAuditFilter, queryAudit } from "../../services/audit-query.ts";
import type { AdminState } from "./roles.ts";
import { queryParam } from "./query.ts";

/** GET /audit?mac=&tenant=&extension=&actor=&action=&since=&until=&type=admin|fetch|all&limit=&offset= */
export function auditRoutes(deps: ProvisionDeps): Router<AdminState> {
  const r = new Router<AdminState>();
  r.get("/audit", async (ctx) => {
    const one = (k: string) => queryParam(ctx, k);
    const filter = parseAuditFilter({
      mac: one("mac"),
      tenant: one("tenant"),
      extension: one("extension"),
      actor: one("actor"),
      action: one("action"),
      since: one("since"),
      until: one("until"),
      type: one("type"),
      limit: one("limit"),
      offset: one("offset"),
    }, deps.clock().getTime());
    ctx.body = { events: await queryAudit(deps, filter) };
  });
  return r;
}
