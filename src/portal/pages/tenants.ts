import Router from "@koa/router";
import { ZodError } from "zod";
import { AppError } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { FeatureCodesPatch, TenantPatch } from "../../services/schemas.ts";
import { loadFeatureCodes } from "../../services/feature-codes.ts";
import { listTenants, loadTenant, updateFeatureCodes, updateTenant } from "../../services/tenants.ts";
import type { Tenant } from "../../db/rows.ts";
import { html, raw, type Html } from "../html.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canAdmin, requireAdmin, seesTenant, seesTenantData } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { form, formErrors, generalErrors, notice, page, table, type FormState } from "../ui.ts";

type Kind = "text" | "number" | "nullable-text" | "nullable-number" | "list" | "bool" | "select";

interface TenantField {
  readonly name: keyof TenantPatch & keyof Tenant;
  readonly label: string;
  readonly kind: Kind;
  readonly hint?: string;
  readonly options?: readonly (readonly [string, string])[];
}

/** Every field `PATCH /tenants/{tenant}` takes (TenantPatch), in the order of docs/api.md. */
const TENANT_FIELDS: readonly { readonly legend: string; readonly fields: readonly TenantField[] }[] = [
  {
    legend: "SIP server",
    fields: [
      { name: "sipDomain", label: "SIP domain (digest realm)", kind: "text" },
      { name: "sipServerHost", label: "SIP server host", kind: "text" },
      { name: "sipServerPort", label: "SIP server port", kind: "number" },
      { name: "sipTransport", label: "Transport", kind: "select", options: [["udp", "UDP"], ["tcp", "TCP"], ["tls", "TLS"]] },
      { name: "outboundProxyHost", label: "Outbound proxy host", kind: "nullable-text", hint: "empty = none" },
      { name: "outboundProxyPort", label: "Outbound proxy port", kind: "nullable-number", hint: "empty = the transport's default" },
      { name: "registerExpires", label: "Registration expiry (seconds)", kind: "number", hint: "60-86400" },
    ],
  },
  {
    legend: "Time",
    fields: [
      { name: "timeZone", label: "Time zone", kind: "text", hint: "IANA name, e.g. Europe/Berlin" },
      { name: "ntpServers", label: "NTP servers", kind: "list", hint: "one or two, one a line" },
    ],
  },
  {
    legend: "Provisioning",
    fields: [
      { name: "provisioningBaseUrl", label: "Provisioning base URL", kind: "nullable-text", hint: "empty = the server's publicUrl (or the URL the phone used)" },
      { name: "resyncMinutes", label: "Resync every (minutes)", kind: "number", hint: "0 = never; at most 10080" },
      { name: "configEncryption", label: "Encrypt device files where the vendor supports it", kind: "bool" },
    ],
  },
  {
    legend: "Phone authentication",
    fields: [
      {
        name: "authMode",
        label: "Authentication mode",
        kind: "select",
        options: [
          ["credentials", "credentials (HTTP digest/basic)"],
          ["network", "network (allowed networks only)"],
          ["credentials_and_network", "credentials and network"],
          ["credentials_or_network", "credentials or network"],
          ["certificate", "client certificate"],
          ["credentials_or_certificate", "credentials or client certificate"],
          ["credentials_and_certificate", "credentials and client certificate"],
        ],
      },
      { name: "allowedNetworks", label: "Allowed networks", kind: "list", hint: "CIDRs, one a line, e.g. 192.0.2.0/24" },
      { name: "zeroTouch", label: "Zero touch: a claim or import opens a first-contact window", kind: "bool" },
      { name: "zeroTouchWindowSeconds", label: "Zero-touch window (seconds)", kind: "number", hint: "60-86400" },
    ],
  },
];
const ALL_FIELDS = TENANT_FIELDS.flatMap((g) => g.fields);

/** The text a field shows for a stored value; also what `_was.<field>` carries to tell a change. */
function shown(kind: Kind, v: unknown): string {
  if (v === null || v === undefined) return "";
  if (kind === "list") return (v as string[]).join("\n");
  return String(v);
}

const normal = (kind: Kind, s: string) => (kind === "list" ? s.split(/[\r\n,]+/).map((x) => x.trim()).filter(Boolean).join("\n") : s.trim());

/** The field as the API's JSON would carry it. */
function decode(kind: Kind, f: Fields, name: string): unknown {
  switch (kind) {
    case "number":
      return f.num(name);
    case "nullable-number":
      return f.num(name);
    case "nullable-text":
      return f.opt(name);
    case "list":
      return f.lines(name);
    case "bool":
      return f.bool(name);
    default:
      return f.str(name).trim();
  }
}

/**
 * The patch of a submitted form: only the fields whose value differs from the one the form was drawn
 * with (`_was.<field>`), so a save changes exactly what was changed on the page (the API's PATCH
 * semantics) and does not write back a value someone else changed meanwhile.
 */
function tenantPatchOf(f: Fields): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const field of ALL_FIELDS) {
    if (!f.has(field.name)) continue;
    const now = field.kind === "bool" ? String(f.bool(field.name)) : normal(field.kind, f.str(field.name));
    const was = normal(field.kind, f.str(`_was.${field.name}`));
    if (now !== was) patch[field.name] = decode(field.kind, f, field.name);
  }
  return patch;
}

/** Tenant settings: the tenant's SIP server, time, provisioning and phone authentication, and its feature codes. */
export function tenantRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const path = (t: string) => `/tenants/${encodeURIComponent(t)}`;

  r.get("/tenants", async (ctx) => {
    const scope = ctx.state.scope!;
    if (scope.role === null) throw new AppError(403, "forbidden", "this account cannot see tenant settings");
    const visible = (await listTenants(deps)).filter((t) => seesTenant(scope, t.name));
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Tenants",
      table(
        ["Tenant", "SIP domain", "SIP server", "Time zone", "Authentication"],
        visible.map((t) => html`<tr><td><a href="${path(t.name)}">${t.name}</a></td><td>${t.sipDomain}</td><td>${t.sipServerHost}:${t.sipServerPort} ${t.sipTransport}</td><td>${t.timeZone}</td><td>${t.authMode}</td></tr>`),
      ),
    );
  });

  async function tenantPage(ctx: PortalContext, name: string, override?: { id: string; st: FormState }): Promise<void> {
    const scope = ctx.state.scope!;
    if (!seesTenantData(scope, name)) throw new AppError(403, "forbidden", `this account cannot see tenant ${name}'s settings`);
    const { t, codes } = await deps.data.read(async (q) => {
      const t = await loadTenant(q, name);
      return { t, codes: await loadFeatureCodes(q, t.id) };
    });
    const admin = canAdmin(scope);
    const pc = pageContext(ctx);
    const st = override?.id === "settings" ? override.st : { values: t, errors: {}, general: [] };
    const submitted = override?.id === "settings" ? new Fields(ctx.state.form.fields) : null;
    const fcSt = override?.id === "feature-codes" ? override.st : { values: {}, errors: {}, general: [] };
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;

    const control = (fd: TenantField): Html => {
      const id = `f-${fd.name}`;
      // The value drawn: what was submitted (after a refusal), else the stored one; `_was` keeps the stored one.
      const stored = shown(fd.kind, t[fd.name]);
      const value = submitted ? (fd.kind === "bool" ? String(submitted.bool(fd.name)) : submitted.str(fd.name)) : stored;
      const was = submitted ? submitted.str(`_was.${fd.name}`) : stored;
      const err = st.errors[fd.name];
      const a = err ? html` aria-invalid="true" aria-describedby="${id}-err"` : html``;
      const errP = err ? html`<p class="field-error" id="${id}-err">${err}</p>` : html``;
      const wasField = html`<input type="hidden" name="_was.${fd.name}" value="${was}">`;
      if (fd.kind === "bool") {
        return html`${wasField}<input type="hidden" name="${fd.name}" value="false"><label class="check" for="${id}"><input id="${id}" type="checkbox" name="${fd.name}" value="true"${value === "true" ? raw(" checked") : ""}${a}> <span>${fd.label}</span></label>${errP}`;
      }
      const head = html`<span class="l">${fd.label}</span>${fd.hint ? html`<span class="muted">${fd.hint}</span>` : ""}`;
      if (fd.kind === "select") {
        return html`${wasField}<label for="${id}">${head}<select id="${id}" name="${fd.name}"${a}>${fd.options!.map(([v, l]) => html`<option value="${v}"${v === value ? raw(" selected") : ""}>${l}</option>`)}</select></label>${errP}`;
      }
      if (fd.kind === "list") return html`${wasField}<label for="${id}">${head}<textarea id="${id}" name="${fd.name}"${a}>${value}</textarea></label>${errP}`;
      const type = fd.kind === "number" || fd.kind === "nullable-number" ? "number" : "text";
      return html`${wasField}<label for="${id}">${head}<input id="${id}" type="${type}" name="${fd.name}" value="${value}"${a}></label>${errP}`;
    };
    const settingsBody = html`${generalErrors(st)}${TENANT_FIELDS.map((g) => html`<fieldset><legend>${g.legend}</legend>${g.fields.map(control)}</fieldset>`)}`;
    const fcBody = html`${generalErrors(fcSt)}<div class="grid">${Object.entries(codes).map(([feature, code]) => {
      const value = override?.id === "feature-codes" ? new Fields(ctx.state.form.fields).str(`code.${feature}`) : code;
      const err = fcSt.errors[feature];
      return html`<input type="hidden" name="_was.code.${feature}" value="${code}"><label for="f-code-${feature}"><span class="l">${feature}</span><input id="f-code-${feature}" type="text" name="code.${feature}" value="${value}"${err ? html` aria-invalid="true"` : ""}></label>${err ? html`<p class="field-error">${err}</p>` : ""}`;
    })}</div>`;
    ctx.status = override ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Tenant ${t.name}`,
      html`${notice(done)}
<p class="muted">Changes apply to the tenant's phones at their next fetch. <a href="/extensions?tenant=${encodeURIComponent(t.name)}">Extensions</a> · <a href="/devices?q=${encodeURIComponent(t.name)}">Devices</a>${seesTenantData(scope, t.name) ? html` · <a href="/audit?tenant=${encodeURIComponent(t.name)}">Audit trail</a>` : ""}</p>
<nav aria-label="Tenant catalogue" class="actions"><a class="button secondary" href="${path(t.name)}/numbering-plan">Numbering plan</a><a class="button secondary" href="${path(t.name)}/key-layouts">Key layouts</a><a class="button secondary" href="${path(t.name)}/groups">Groups</a></nav>
<section class="card" id="settings" aria-labelledby="settings-h"><h2 id="settings-h">Settings</h2>
${admin ? form(pc, `${path(t.name)}/settings`, settingsBody, { submit: "Save settings" }) : html`<fieldset disabled class="stack">${settingsBody}</fieldset><p class="muted">Only an admin can change tenant settings.</p>`}</section>
<section class="card" id="feature-codes" aria-labelledby="fc-h"><h2 id="fc-h">Feature codes</h2>
${admin ? form(pc, `${path(t.name)}/feature-codes`, fcBody, { submit: "Save feature codes" }) : html`<fieldset disabled class="stack">${fcBody}</fieldset>`}</section>`,
    );
  }

  r.get("/tenants/:tenant", (ctx) => tenantPage(ctx, ctx.params.tenant!));

  r.post("/tenants/:tenant/settings", (ctx) => {
    const name = ctx.params.tenant!;
    requireAdmin(ctx.state.scope!, name);
    const patch = tenantPatchOf(new Fields(ctx.state.form.fields));
    if (Object.keys(patch).length === 0) {
      ctx.status = 303;
      return ctx.redirect(`${path(name)}?done=${encodeURIComponent("Nothing was changed.")}#settings`);
    }
    try {
      updateTenant(deps, name, TenantPatch.parse(patch));
    } catch (err) {
      const fe = err instanceof ZodError ? byField(err) : formErrors(err, ALL_FIELDS.map((x) => x.name));
      if (!fe) throw err;
      return tenantPage(ctx, name, { id: "settings", st: { values: {}, ...fe } });
    }
    ctx.status = 303;
    ctx.redirect(`${path(name)}?done=${encodeURIComponent(`Saved: ${Object.keys(patch).join(", ")}.`)}#settings`);
  });

  r.post("/tenants/:tenant/feature-codes", async (ctx) => {
    const name = ctx.params.tenant!;
    requireAdmin(ctx.state.scope!, name);
    const f = new Fields(ctx.state.form.fields);
    const patch: Record<string, string> = {};
    for (const [k] of ctx.state.form.fields) {
      const m = /^code\.(\w+)$/.exec(k);
      if (m && f.str(k).trim() !== f.str(`_was.${k}`)) patch[m[1]!] = f.str(k).trim();
    }
    if (Object.keys(patch).length === 0) {
      ctx.status = 303;
      return ctx.redirect(`${path(name)}?done=${encodeURIComponent("Nothing was changed.")}#feature-codes`);
    }
    try {
      await updateFeatureCodes(deps, name, FeatureCodesPatch.parse(patch));
    } catch (err) {
      const fe = err instanceof ZodError ? byField(err) : formErrors(err);
      if (!fe) throw err;
      return tenantPage(ctx, name, { id: "feature-codes", st: { values: {}, ...fe } });
    }
    ctx.status = 303;
    ctx.redirect(`${path(name)}?done=${encodeURIComponent(`Feature codes saved: ${Object.keys(patch).join(", ")}.`)}#feature-codes`);
  });
  return r;
}

/** A zod error by its first path element (`ntpServers.1` is shown on the NTP field, with the entry named). */
function byField(err: ZodError): { errors: Record<string, string>; general: string[] } {
  const errors: Record<string, string> = {};
  const general: string[] = [];
  for (const i of err.issues) {
    const [head, ...rest] = i.path.map(String);
    if (!head) {
      general.push(i.message);
      continue;
    }
    const msg = rest.length ? `entry ${Number(rest[0]) + 1}: ${i.message}` : i.message;
    errors[head] = errors[head] ? `${errors[head]}; ${msg}` : msg;
  }
  return { errors, general };
}
