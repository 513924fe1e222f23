import Router from "@koa/router";
import { sql } from "drizzle-orm";
import { devices, discoveredDevices, extensions, tenants } from "../../db/schema.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { html } from "../html.ts";
import { pageContext, type PortalState } from "../request.ts";
import { canOperate } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { page } from "../ui.ts";

/** The start page: what the account can reach, with counts. */
export function homeRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  r.get("/", (ctx) => {
    const scope = ctx.state.scope!;
    if (scope.role === null && !scope.directory) return ctx.redirect("/me");
    const visible = (deps.db.select({ id: tenants.id, name: tenants.name }).from(tenants).all()).filter((t) => scope.tenants === null || scope.tenants.includes(t.name));
    const ids = visible.map((t) => t.id);
    const count = (table: typeof extensions | typeof devices) =>
      ids.length ? (deps.db.select({ n: sql<number>`count(*)` }).from(table).where(sql`${table.tenantId} in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`).get()?.n ?? 0) : 0;
    const inbox = scope.unlimited && canOperate(scope) ? (deps.db.select({ n: sql<number>`count(*)` }).from(discoveredDevices).where(sql`${discoveredDevices.dismissedAt} is null`).get()?.n ?? 0) : null;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Overview",
      html`<ul>
${scope.self ? html`<li><a href="/me">My extension</a> (${scope.self.number})</li>` : ""}
<li><a href="/extensions">Extensions</a>: ${count(extensions)}</li>
${scope.role !== null ? html`<li><a href="/devices">Devices</a>: ${count(devices)}</li><li>Tenants: ${visible.map((t) => t.name).join(", ")}</li>` : ""}
${inbox !== null ? html`<li>Discovery inbox: ${inbox} phone(s) waiting to be claimed (<code>GET /api/v1/discovered</code>, <code>phonehome</code> CLI)</li>` : ""}
</ul>`,
    );
  });
  return r;
}
