import Router from "@koa/router";
import { count, inArray, isNull } from "drizzle-orm";
import { first } from "../../db/data.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { html } from "../html.ts";
import { pageContext, type PortalState } from "../request.ts";
import { canOperate } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { page } from "../ui.ts";

/** The start page: what the account can reach, with counts. */
export function homeRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  r.get("/", async (ctx) => {
    const scope = ctx.state.scope!;
    if (scope.role === null && !scope.directory) return ctx.redirect("/me");
    const { visible, extensionCount, deviceCount, inbox } = await deps.data.read(async (q) => {
      const { tenants, extensions, devices, discoveredDevices } = q.t;
      const shown = (await q.db.select({ id: tenants.id, name: tenants.name }).from(tenants)).filter((t) => scope.tenants === null || scope.tenants.includes(t.name));
      const ids = shown.map((t) => t.id);
      const countOf = async (table: typeof extensions | typeof devices) =>
        ids.length ? (first(await q.db.select({ n: count() }).from(table).where(inArray(table.tenantId, ids)))?.n ?? 0) : 0;
      return {
        visible: shown,
        extensionCount: await countOf(extensions),
        deviceCount: scope.role !== null ? await countOf(devices) : 0,
        inbox: scope.unlimited && canOperate(scope) ? (first(await q.db.select({ n: count() }).from(discoveredDevices).where(isNull(discoveredDevices.dismissedAt)))?.n ?? 0) : null,
      };
    });
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Overview",
      html`<ul>
${scope.self ? html`<li><a href="/me">My extension</a> (${scope.self.number})</li>` : ""}
<li><a href="/extensions">Extensions</a>: ${extensionCount}</li>
${scope.role !== null ? html`<li><a href="/devices">Devices</a>: ${deviceCount}</li><li>Tenants: ${visible.map((t) => t.name).join(", ")}</li>` : ""}
${inbox !== null ? html`<li>Discovery inbox: ${inbox} phone(s) waiting to be claimed (<code>GET /api/v1/discovered</code>, <code>phonehome</code> CLI)</li>` : ""}
</ul>`,
    );
  });
  return r;
}
