import Router from "@koa/router";
import { AppError } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { parseAuditFilter, queryAudit, type AuditEntry } from "../../services/audit-query.ts";
import { listTenants } from "../../services/tenants.ts";
import { html, raw, type Html } from "../html.ts";
import { pageContext, type PortalState } from "../request.ts";
import { seesTenant } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { formErrors, generalErrors, page, table, textField, type FormState } from "../ui.ts";

const PAGE_SIZE = 50;
const FILTERS = ["actor", "action", "extension", "mac", "since", "until"] as const;

/** The fields of `after` that differ from `before`, as `name: before → after` (secrets are already masked in the log). */
function changes(e: AuditEntry): Html {
  if (e.type !== "admin") return html`${e.credentials.length ? `credentials of ${e.credentials.join(", ")}` : ""}${e.authMethod ? ` · ${e.authMethod}` : ""}`;
  const before = (e.before ?? {}) as Record<string, unknown>;
  const after = (e.after ?? {}) as Record<string, unknown>;
  if (typeof before !== "object" || typeof after !== "object") return html``;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) && k !== "updatedAt");
  if (!e.before || !e.after) return keys.length ? html`<details><summary>${e.before ? "before" : "values"}</summary><pre class="file">${JSON.stringify(e.before ?? e.after, null, 1)}</pre></details>` : html``;
  return html`${keys.slice(0, 12).map((k) => html`<div><code>${k}</code>: ${JSON.stringify(before[k]) ?? "—"} → ${JSON.stringify(after[k]) ?? "—"}</div>`)}`;
}

/** The audit trail with the API's filters (GET /api/v1/audit), 50 a page. */
export function auditRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  r.get("/audit", async (ctx) => {
    const scope = ctx.state.scope!;
    if (scope.role === null) throw new AppError(403, "forbidden", "this account cannot see the audit trail");
    const q = (k: string) => (typeof ctx.query[k] === "string" && ctx.query[k] !== "" ? (ctx.query[k] as string).slice(0, 200) : undefined);
    const tenants = (await listTenants(deps)).filter((t) => seesTenant(scope, t.name));
    // An account limited to tenants sees their entries only (sign-ins and other entries of no tenant are not theirs).
    let tenant = q("tenant");
    if (tenant !== undefined && !tenants.some((t) => t.name === tenant)) throw new AppError(403, "forbidden", `this account cannot see tenant ${tenant}'s audit trail`);
    if (tenant === undefined && scope.tenants !== null) tenant = tenants[0]?.name;
    const type = q("type") ?? "all";
    const pageNo = Math.max(1, Math.min(2000, Number.parseInt(q("page") ?? "1", 10) || 1));
    const values: Record<string, string> = Object.fromEntries(FILTERS.map((k) => [k, q(k) ?? ""]));
    let st: FormState = { values, errors: {}, general: [] };
    let events: AuditEntry[] = [];
    try {
      const filter = parseAuditFilter(
        { ...Object.fromEntries(FILTERS.map((k) => [k, q(k)])), tenant, type, limit: String(PAGE_SIZE + 1), offset: String((pageNo - 1) * PAGE_SIZE) },
        deps.clock().getTime(),
      );
      events = queryAudit(deps, filter);
    } catch (err) {
      const fe = formErrors(err, [...FILTERS, "type", "tenant"]);
      if (!fe) throw err;
      st = { values, ...fe };
      ctx.status = 400;
    }
    const more = events.length > PAGE_SIZE;
    const shown = events.slice(0, PAGE_SIZE);
    const link = (p: number) => `/audit?${new URLSearchParams({ ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")), ...(tenant ? { tenant } : {}), ...(type !== "all" ? { type } : {}), page: String(p) })}`;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Audit trail",
      html`<form method="get" action="/audit" class="stack" role="search">${generalErrors(st)}
<label for="f-tenant"><span class="l">Tenant</span><select id="f-tenant" name="tenant">${scope.tenants === null ? html`<option value="">(every tenant, and entries of none)</option>` : ""}${tenants.map((t) => html`<option value="${t.name}"${t.name === tenant ? raw(" selected") : ""}>${t.name}</option>`)}</select></label>
<label for="f-type"><span class="l">Kind</span><select id="f-type" name="type">${[["all", "changes, security events and phone fetches"], ["admin", "changes and security events"], ["fetch", "phone fetches"]].map(([v, l]) => html`<option value="${v!}"${v === type ? raw(" selected") : ""}>${l!}</option>`)}</select></label>
${textField(st, "actor", "Actor", { hint: "user:admin, extension-user:101@demo.example, token:ci, cli, source:192.0.2.10" })}
${textField(st, "action", "Action", { hint: "an action (tenant.update) or its first part (tenant, portal, fetch)" })}
${textField(st, "extension", "Extension", { hint: "202 or tenant/202" })}
${textField(st, "mac", "MAC")}
${textField(st, "since", "Since", { hint: "ISO time (2026-06-01T00:00:00Z) or a time ago: 30m, 1h, 7d" })}
${textField(st, "until", "Until")}
<div class="actions"><button type="submit">Filter</button></div></form>
<p class="muted">Page ${pageNo}${shown.length ? `: ${shown.length} entr${shown.length === 1 ? "y" : "ies"}, newest first` : ": no entries"}.</p>
${table(
  ["When", "Actor", "Action", "Target", "Outcome", "Details"],
  shown.map(
    (e) => html`<tr><td>${e.at.replace("T", " ").slice(0, 19)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.target}${e.type === "admin" && e.extension ? html`<br><span class="muted">extension ${e.extension}</span>` : ""}${e.mac ? html`<br><span class="muted">${e.mac}</span>` : ""}</td><td>${e.type === "admin" ? e.outcome : String(e.status)}</td><td>${e.type === "admin" && e.detail ? html`<div>${e.detail}</div>` : ""}${changes(e)}</td></tr>`,
  ),
)}
<nav aria-label="Pages" class="actions">${pageNo > 1 ? html`<a class="button secondary" href="${link(pageNo - 1)}">Newer</a>` : ""}${more ? html`<a class="button secondary" href="${link(pageNo + 1)}">Older</a>` : ""}</nav>`,
    );
  });
  return r;
}
