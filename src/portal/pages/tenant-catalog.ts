import Router from "@koa/router";
import { inArray } from "drizzle-orm";
import { devices as devicesTable } from "../../db/schema.ts";
import { AppError } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { keyLimitsOf } from "../../services/device-rules.ts";
import { createGroup, deleteGroup, getGroup, GroupInput, GroupPatch, groupKeyUses, listGroups, MembersInput, putMembers, renameGroup } from "../../services/groups.ts";
import { devicesUsingLayoutSync } from "../../services/key-expansion-sync.ts";
import { createLayout, deleteLayout, findLayout, getLayout, KeyLayoutInput, KeyLayoutPut, listLayouts, putLayout } from "../../services/key-layouts.ts";
import { layoutLineKeyWarnings } from "../../services/line-key-warnings.ts";
import { getNumberingPlan, NumberingPlanInput, resetNumberingPlan, setNumberingPlan } from "../../services/numbering.ts";
import { getTenant } from "../../services/tenants.ts";
import { html, type Html } from "../html.ts";
import { keyControls, keyFormErrors, readKeyForm } from "../key-form.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canAdmin, canOperate, requireAdmin, requireOperate, requireTenant } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { cleanForm, form, formErrors, generalErrors, notice, page, table, textArea, textField, type FormState } from "../ui.ts";

/**
 * A tenant's numbering plan, key layouts and groups (linked from the tenant settings page). Each
 * page reads and writes through the services of `/api/v1/tenants/{t}/numbering-plan`,
 * `…/key-layouts` and `…/groups`, parses the form with the same zod schema, and shows the API's
 * error next to the field it names; the services write in one transaction, so a refusal leaves the
 * database as it was. Writes: admin (numbering plan, groups), admin or technician (key layouts), as
 * in the API; every other account sees the pages with no button and is refused (403) by the server.
 */
export function tenantCatalogRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const base = (t: string) => `/tenants/${encodeURIComponent(t)}`;
  const done = (ctx: PortalContext) => (typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 500) : undefined);
  const see = (ctx: PortalContext, tenant: string) => {
    requireTenant(ctx.state.scope!, tenant);
    return getTenant(deps, tenant);
  };
  const back = (t: string) => html`<p><a href="${base(t)}">Back to tenant ${t}</a></p>`;
  const redirect = (ctx: PortalContext, to: string, message: string) => {
    ctx.status = 303;
    ctx.redirect(`${to}${to.includes("?") ? "&" : "?"}done=${encodeURIComponent(message)}`);
  };

  // --- numbering plan: the restricted and recommended ranges, replaced whole (PUT) ---

  type Table = "restricted" | "recommended";
  const TABLES: readonly { name: Table; legend: string; hint: string }[] = [
    { name: "restricted", legend: "Restricted ranges", hint: "an extension number in one of these is refused" },
    { name: "recommended", legend: "Recommended ranges", hint: "a number in none of these gets a warning, not an error" },
  ];
  const EXTRA_ROWS = 3;

  interface PlanForm {
    readonly rows: Record<Table, { from: string; to: string; purpose: string }[]>;
    readonly st: FormState;
  }

  /** The form's rows as the API's body; an all-empty row is left out. `at` maps a body index to its form row. */
  function decodePlan(f: Fields): { body: Record<Table, unknown[]>; at: Record<Table, number[]>; rows: PlanForm["rows"] } {
    const body: Record<Table, unknown[]> = { restricted: [], recommended: [] };
    const at: Record<Table, number[]> = { restricted: [], recommended: [] };
    const rows: PlanForm["rows"] = { restricted: [], recommended: [] };
    for (const t of ["restricted", "recommended"] as const) {
      for (let i = 0; f.has(`${t}.${i}.from`); i++) {
        const row = { from: f.str(`${t}.${i}.from`).trim(), to: f.str(`${t}.${i}.to`).trim(), purpose: f.str(`${t}.${i}.purpose`).trim() };
        rows[t].push(row);
        if (!row.from && !row.to && !row.purpose) continue;
        at[t].push(i);
        // The "to" of a single number may be left empty: the range is that one number.
        body[t].push({ from: f.num(`${t}.${i}.from`), to: row.to === "" ? f.num(`${t}.${i}.from`) : f.num(`${t}.${i}.to`), purpose: row.purpose });
      }
    }
    return { body, at, rows };
  }

  async function planPage(ctx: PortalContext, tenant: string, submitted?: PlanForm): Promise<void> {
    const t = see(ctx, tenant);
    const pc = pageContext(ctx);
    const admin = canAdmin(ctx.state.scope!);
    const plan = await getNumberingPlan(deps, t.name);
    const st = submitted?.st ?? cleanForm({});
    const cell = (name: string, label: string, value: string, type: "text" | "number") => {
      const err = st.errors[name];
      const id = `f-${name.replace(/\./g, "-")}`;
      return html`<td><label for="${id}" class="sr-only">${label}</label><input id="${id}" name="${name}" type="${type}" value="${value}"${type === "number" ? html` inputmode="numeric"` : ""}${err ? html` aria-invalid="true" aria-describedby="${id}-err"` : ""}>${err ? html`<p class="field-error" id="${id}-err">${err}</p>` : ""}</td>`;
    };
    const tableOf = (tb: (typeof TABLES)[number]) => {
      const rows = submitted?.rows[tb.name] ?? [...plan[tb.name].map((x) => ({ from: String(x.from), to: String(x.to), purpose: x.purpose })), ...Array.from({ length: admin ? EXTRA_ROWS : 0 }, () => ({ from: "", to: "", purpose: "" }))];
      return html`<fieldset id="${tb.name}"><legend>${tb.legend}</legend><p class="muted">${tb.hint}.${admin ? " Empty a row to remove it; the empty rows at the end add ranges." : ""}</p>
${st.errors[tb.name] ? html`<p class="field-error">${st.errors[tb.name]}</p>` : ""}
${table(
  ["From", "To", "Purpose"],
  rows.map((x, i) => html`<tr>${cell(`${tb.name}.${i}.from`, `${tb.legend}, row ${i + 1}: from`, x.from, "number")}${cell(`${tb.name}.${i}.to`, `${tb.legend}, row ${i + 1}: to`, x.to, "number")}${cell(`${tb.name}.${i}.purpose`, `${tb.legend}, row ${i + 1}: purpose`, x.purpose, "text")}</tr>`),
)}</fieldset>`;
    };
    const body = html`${generalErrors(st)}${TABLES.map(tableOf)}`;
    ctx.status = submitted ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Numbering plan of ${t.name}`,
      html`${notice(done(ctx))}
<p class="muted">${plan.custom ? "This tenant has its own plan." : "This tenant uses the default plan (the star-code and numbering document)."} New extension numbers are checked against it (docs/extensions.md).</p>
${admin
  ? html`${form(pc, `${base(t.name)}/numbering-plan`, body, { submit: "Save the numbering plan" })}
${plan.custom ? form(pc, `${base(t.name)}/numbering-plan/reset`, html``, { submit: "Reset to the default plan", danger: true, confirm: "Replace this tenant's ranges with the default plan?", cls: "" }) : ""}`
  : html`<div class="stack">${html`<fieldset disabled class="stack">${body}</fieldset>`}</div><p class="muted">Only an admin can change the numbering plan.</p>`}
${back(t.name)}`,
    );
  }

  r.get("/tenants/:tenant/numbering-plan", (ctx) => planPage(ctx, ctx.params.tenant!));

  r.post("/tenants/:tenant/numbering-plan", async (ctx) => {
    const tenant = ctx.params.tenant!;
    requireAdmin(ctx.state.scope!, tenant);
    const { body, at, rows } = decodePlan(new Fields(ctx.state.form.fields));
    try {
      await setNumberingPlan(deps, tenant, NumberingPlanInput.parse(body));
    } catch (err) {
      const fe = formErrors(err);
      if (!fe) throw err;
      // restricted.2.to names the body's third range: shown on the form row it came from.
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(fe.errors)) {
        const m = /^(restricted|recommended)\.(\d+)\.(\w+)$/.exec(k);
        const row = m ? at[m[1] as Table][Number(m[2])] : undefined;
        errors[m && row !== undefined ? `${m[1]}.${row}.${m[3]}` : k] = v;
      }
      return planPage(ctx, tenant, { rows, st: { values: {}, errors, general: fe.general } });
    }
    redirect(ctx, `${base(tenant)}/numbering-plan`, `Numbering plan saved: ${body.restricted.length} restricted and ${body.recommended.length} recommended range(s).`);
  });

  r.post("/tenants/:tenant/numbering-plan/reset", async (ctx) => {
    const tenant = ctx.params.tenant!;
    requireAdmin(ctx.state.scope!, tenant);
    await resetNumberingPlan(deps, tenant);
    redirect(ctx, `${base(tenant)}/numbering-plan`, "The tenant uses the default numbering plan again.");
  });

  // --- key layouts ---

  r.get("/tenants/:tenant/key-layouts", (ctx) => layoutsPage(ctx, ctx.params.tenant!));

  function layoutsPage(ctx: PortalContext, tenant: string, st?: FormState): void {
    const t = see(ctx, tenant);
    const pc = pageContext(ctx);
    const write = canOperate(ctx.state.scope!);
    const layouts = listLayouts(deps, t.name);
    const s = st ?? cleanForm({});
    ctx.status = st ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Key layouts of ${t.name}`,
      html`${notice(done(ctx))}
<p class="muted">A key layout is a named set of keys shared by phones ("reception panel"); a phone's own keys override the layout's. Assign a layout to a phone on its device page or with the CSV's <code>key_layout</code> column.</p>
${layouts.length
  ? table(
      ["Layout", "Keys", "Phones using it"],
      layouts.map((l) => html`<tr><td><a href="${base(t.name)}/key-layouts/${encodeURIComponent(l.name)}">${l.name}</a></td><td>${l.keys.length}</td><td>${l.devices}</td></tr>`),
    )
  : html`<p>No key layout yet.</p>`}
${write
  ? html`<section class="card" aria-labelledby="new-h"><h2 id="new-h">New key layout</h2>${form(pc, `${base(t.name)}/key-layouts`, html`${generalErrors(s)}${textField(s, "name", "Name", { required: true })}`, { submit: "Create the layout" })}</section>`
  : ""}
${back(t.name)}`,
    );
  }

  r.post("/tenants/:tenant/key-layouts", (ctx) => {
    const tenant = ctx.params.tenant!;
    requireOperate(ctx.state.scope!, tenant);
    const name = new Fields(ctx.state.form.fields).str("name").trim();
    try {
      createLayout(deps, tenant, KeyLayoutInput.parse({ name, keys: [] }));
    } catch (err) {
      const fe = formErrors(err, ["name"]);
      if (!fe) throw err;
      return layoutsPage(ctx, tenant, { values: { name }, ...fe });
    }
    redirect(ctx, `${base(tenant)}/key-layouts/${encodeURIComponent(name)}`, `Key layout ${name} created; give it its keys.`);
  });

  /** The models of the phones using a layout, with their key capacity (what the API checks a save against). */
  function capacities(tenantId: number, name: string) {
    const l = findLayout(deps.db, tenantId, name);
    const ids = l ? devicesUsingLayoutSync(deps.db, l.id) : [];
    const rows = ids.length ? deps.db.select().from(devicesTable).where(inArray(devicesTable.id, ids)).all() : [];
    const byModel = new Map<string, { model: string; capacity: number; own: number; phones: number }>();
    for (const d of rows) {
      const lim = keyLimitsOf(d);
      const k = `${lim.id} ${lim.capacity}`;
      const e = byModel.get(k) ?? { model: lim.id, capacity: lim.capacity, own: lim.ownKeys, phones: 0 };
      e.phones++;
      byModel.set(k, e);
    }
    return [...byModel.values()].sort((a, b) => a.capacity - b.capacity);
  }

  function layoutPage(ctx: PortalContext, tenant: string, name: string, submitted?: { values: Record<string, string>; st: FormState }): void {
    const t = see(ctx, tenant);
    const pc = pageContext(ctx);
    const write = canOperate(ctx.state.scope!);
    const layout = getLayout(deps, t.name, name);
    const caps = capacities(t.id, layout.name);
    const smallest = caps[0];
    const maxIndex = Math.max(0, ...layout.keys.map((k) => k.index), ...Object.keys(submitted?.values ?? {}).map((k) => Number(/^key\.(\d+)\./.exec(k)?.[1] ?? 0)));
    // Every key a phone using the layout has, or (no phone uses it yet) the keys set and a few more.
    const slots = Math.min(256, caps.length ? Math.max(maxIndex, caps[caps.length - 1]!.capacity) : Math.max(maxIndex + 6, 12));
    const byIndex = new Map(layout.keys.map((k) => [k.index, k]));
    const st = submitted?.st ?? cleanForm({});
    const slot = (n: number): Html => {
      const k = byIndex.get(n);
      const sub = submitted ? { kind: submitted.values[`key.${n}.kind`] ?? "", value: submitted.values[`key.${n}.value`] ?? "", label: submitted.values[`key.${n}.label`] ?? "" } : null;
      const cur = sub ?? { kind: k?.kind ?? "", value: k?.value ?? "", label: k?.label ?? "" };
      const beyond = smallest && n > smallest.capacity ? `beyond the ${smallest.model}'s ${smallest.capacity} keys` : "";
      const module = smallest && n > smallest.own && !beyond ? `module key on the ${smallest.model}` : "";
      const err = st.errors[`key.${n}`];
      return html`<div class="key" role="group" aria-labelledby="lk-${n}-n">
<div class="n" id="lk-${n}-n">Key ${n}</div>${beyond || module ? html`<div class="muted">${beyond || module}</div>` : ""}
${write ? keyControls(n, cur) : k ? html`<div>${k.kind}${k.value ? ` ${k.value}` : ""}${k.label ? ` “${k.label}”` : ""}</div>` : html`<div class="muted">(empty)</div>`}
${err ? html`<p class="field-error">${err}</p>` : ""}</div>`;
    };
    const nameSt: FormState = { values: { name: submitted ? (submitted.values.name ?? layout.name) : layout.name }, errors: st.errors, general: [] };
    const editor = html`${generalErrors(st)}<input type="hidden" name="_was.name" value="${layout.name}">${write ? textField(nameSt, "name", "Name", { required: true }) : ""}
<div class="keys">${Array.from({ length: slots }, (_, i) => slot(i + 1))}</div>`;
    ctx.status = submitted ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Key layout ${layout.name}`,
      html`${notice(done(ctx))}
<p>${layout.devices} phone(s) use this layout.${caps.length ? ` Capacity: ${caps.map((c) => `${c.model} ${c.capacity} keys (${c.phones} phone(s))`).join(", ")}; a save that does not fit one of them is refused.` : " No phone uses it yet: its keys are checked against each phone's model when the layout is assigned."}</p>
<p class="muted">Kinds: line, blf (value: the extension watched), blf_group (value: a group's name; one key per member), speed_dial (a number), park, feature (a feature-code name such as dnd_on, or pickup:105), none (left empty on purpose). An empty kind leaves the key out.</p>
<section class="card" id="keys" aria-labelledby="keys-h"><h2 id="keys-h">Keys</h2>
${write ? form(pc, `${base(t.name)}/key-layouts/${encodeURIComponent(layout.name)}`, editor, { submit: "Save the layout" }) : editor}</section>
${write ? form(pc, `${base(t.name)}/key-layouts/${encodeURIComponent(layout.name)}/delete`, html``, { submit: "Delete the layout", danger: true, confirm: `Delete key layout ${layout.name}? Its phones keep only their own keys.`, cls: "" }) : ""}
<p><a href="${base(t.name)}/key-layouts">All key layouts</a></p>${back(t.name)}`,
    );
  }

  r.get("/tenants/:tenant/key-layouts/:layout", (ctx) => layoutPage(ctx, ctx.params.tenant!, ctx.params.layout!));

  r.post("/tenants/:tenant/key-layouts/:layout", (ctx) => {
    const tenant = ctx.params.tenant!;
    const name = ctx.params.layout!;
    requireOperate(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    const { values, keys } = readKeyForm(ctx.state.form.fields);
    const newName = f.str("name").trim();
    const rename = f.has("name") && newName !== f.str("_was.name");
    values.name = f.str("name");
    let saved: { name: string };
    try {
      saved = putLayout(deps, tenant, name, KeyLayoutPut.parse({ ...(rename ? { name: newName } : {}), keys }));
    } catch (err) {
      const fe = keyFormErrors(err, keys, "keys.", ["name"]);
      if (!fe) throw err;
      return layoutPage(ctx, tenant, name, { values, st: { values: {}, ...fe } });
    }
    const warnings = layoutLineKeyWarnings(deps, tenant, saved.name);
    redirect(ctx, `${base(tenant)}/key-layouts/${encodeURIComponent(saved.name)}`, `Layout saved: ${keys.length} key(s).${warnings.length ? ` Warning: ${warnings.join("; ")}` : ""}`);
  });

  r.post("/tenants/:tenant/key-layouts/:layout/delete", (ctx) => {
    const tenant = ctx.params.tenant!;
    requireOperate(ctx.state.scope!, tenant);
    deleteLayout(deps, tenant, ctx.params.layout!);
    redirect(ctx, `${base(tenant)}/key-layouts`, `Key layout ${ctx.params.layout!} deleted.`);
  });

  // --- groups ---

  r.get("/tenants/:tenant/groups", (ctx) => groupsPage(ctx, ctx.params.tenant!));

  function groupsPage(ctx: PortalContext, tenant: string, st?: FormState): void {
    const t = see(ctx, tenant);
    const pc = pageContext(ctx);
    const admin = canAdmin(ctx.state.scope!);
    const groups = listGroups(deps, t.name);
    const s = st ?? cleanForm({});
    ctx.status = st ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Groups of ${t.name}`,
      html`${notice(done(ctx))}
<p class="muted">A group of extensions; a <code>blf_group</code> key watches every member (one key each).</p>
${groups.length
  ? table(
      ["Group", "Members"],
      groups.map((g) => html`<tr><td><a href="${base(t.name)}/groups/${encodeURIComponent(g.name)}">${g.name}</a></td><td>${g.members.join(", ")}</td></tr>`),
    )
  : html`<p>No group yet.</p>`}
${admin
  ? html`<section class="card" aria-labelledby="new-h"><h2 id="new-h">New group</h2>${form(pc, `${base(t.name)}/groups`, html`${generalErrors(s)}${textField(s, "name", "Name", { required: true })}${textArea(s, "members", "Members", "extension numbers, one a line or separated by commas")}`, { submit: "Create the group" })}</section>`
  : ""}
${back(t.name)}`,
    );
  }

  r.post("/tenants/:tenant/groups", (ctx) => {
    const tenant = ctx.params.tenant!;
    requireAdmin(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    const name = f.str("name").trim();
    const members = f.lines("members");
    try {
      createGroup(deps, tenant, GroupInput.parse({ name, members }));
    } catch (err) {
      const fe = formErrors(err, ["name", "members"]);
      if (!fe) throw err;
      return groupsPage(ctx, tenant, { values: { name, members: f.str("members") }, ...membersOnField(fe) });
    }
    redirect(ctx, `${base(tenant)}/groups/${encodeURIComponent(name)}`, `Group ${name} created with ${members.length} member(s).`);
  });

  /** `members.3: …` (a zod issue on one entry) is shown on the members field. */
  function membersOnField(fe: { errors: Record<string, string>; general: string[] }) {
    const errors: Record<string, string> = {};
    for (const [k, v] of Object.entries(fe.errors)) {
      const m = /^members\.(\d+)$/.exec(k);
      const key = m ? "members" : k;
      const msg = m ? `entry ${Number(m[1]) + 1}: ${v}` : v;
      errors[key] = errors[key] ? `${errors[key]}; ${msg}` : msg;
    }
    return { errors, general: fe.general };
  }

  function groupPage(ctx: PortalContext, tenant: string, name: string, override?: { id: "rename" | "members"; st: FormState }): void {
    const t = see(ctx, tenant);
    const pc = pageContext(ctx);
    const admin = canAdmin(ctx.state.scope!);
    const g = getGroup(deps, t.name, name);
    const uses = groupKeyUses(deps, t.name, g.name);
    const renameSt = override?.id === "rename" ? override.st : cleanForm({ name: g.name });
    const membersSt = override?.id === "members" ? override.st : cleanForm({ members: g.members.join("\n") });
    const self = `${base(t.name)}/groups/${encodeURIComponent(g.name)}`;
    ctx.status = override ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Group ${g.name}`,
      html`${notice(done(ctx))}
<section class="card" id="members" aria-labelledby="members-h"><h2 id="members-h">Members</h2>
${admin
  ? form(pc, `${self}/members`, html`${generalErrors(membersSt)}${textArea(membersSt, "members", "Members", "extension numbers, one a line or separated by commas")}`, { submit: "Save the members" })
  : g.members.length
    ? html`<ul>${g.members.map((m) => html`<li><a href="${base(t.name)}/extensions/${encodeURIComponent(m)}">${m}</a></li>`)}</ul>`
    : html`<p>No member.</p>`}
</section>
<section class="card" id="group-keys" aria-labelledby="gk-h"><h2 id="gk-h">Keys watching this group</h2>
${uses.devices.length + uses.layouts.length
  ? table(
      ["Where", "Key", "Label"],
      [
        ...uses.devices.map((u) => html`<tr><td>phone <a href="/devices/${u.mac}">${u.mac}</a></td><td>${u.index}</td><td>${u.label ?? ""}</td></tr>`),
        ...uses.layouts.map((u) => html`<tr><td>key layout <a href="${base(t.name)}/key-layouts/${encodeURIComponent(u.layout)}">${u.layout}</a></td><td>${u.index}</td><td>${u.label ?? ""}</td></tr>`),
      ],
      "Each of these keys becomes one BLF key per member, from its index on.",
    )
  : html`<p class="muted">No key watches this group. Give a phone or a key layout a <code>blf_group</code> key with the value ${g.name}.</p>`}
</section>
${admin
  ? html`<section class="card" id="rename" aria-labelledby="rename-h"><h2 id="rename-h">Rename</h2>${form(pc, `${self}/rename`, html`${generalErrors(renameSt)}${textField(renameSt, "name", "Name", { required: true })}`, { submit: "Rename the group" })}</section>
${form(pc, `${self}/delete`, html``, { submit: "Delete the group", danger: true, confirm: `Delete group ${g.name}?`, cls: "" })}`
  : ""}
<p><a href="${base(t.name)}/groups">All groups</a></p>${back(t.name)}`,
    );
  }

  r.get("/tenants/:tenant/groups/:group", (ctx) => groupPage(ctx, ctx.params.tenant!, ctx.params.group!));

  r.post("/tenants/:tenant/groups/:group/members", (ctx) => {
    const { tenant, group } = ctx.params as { tenant: string; group: string };
    requireAdmin(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    const members = f.lines("members");
    let saved: { members: string[] };
    try {
      saved = putMembers(deps, tenant, group, MembersInput.parse({ members }).members);
    } catch (err) {
      const fe = formErrors(err, ["members"]);
      if (!fe || (err instanceof AppError && err.status === 404)) throw err;
      return groupPage(ctx, tenant, group, { id: "members", st: { values: { members: f.str("members") }, ...membersOnField(fe) } });
    }
    redirect(ctx, `${base(tenant)}/groups/${encodeURIComponent(group)}`, `Members saved: ${saved.members.join(", ") || "none"}.`);
  });

  r.post("/tenants/:tenant/groups/:group/rename", (ctx) => {
    const { tenant, group } = ctx.params as { tenant: string; group: string };
    requireAdmin(ctx.state.scope!, tenant);
    const name = new Fields(ctx.state.form.fields).str("name").trim();
    if (name === group) return redirect(ctx, `${base(tenant)}/groups/${encodeURIComponent(group)}`, "Nothing was changed.");
    try {
      renameGroup(deps, tenant, group, GroupPatch.parse({ name }));
    } catch (err) {
      const fe = formErrors(err, ["name"]);
      if (!fe || (err instanceof AppError && err.status === 404)) throw err;
      return groupPage(ctx, tenant, group, { id: "rename", st: { values: { name }, ...fe } });
    }
    redirect(ctx, `${base(tenant)}/groups/${encodeURIComponent(name)}`, `Group renamed to ${name}.`);
  });

  r.post("/tenants/:tenant/groups/:group/delete", (ctx) => {
    const { tenant, group } = ctx.params as { tenant: string; group: string };
    requireAdmin(ctx.state.scope!, tenant);
    try {
      deleteGroup(deps, tenant, group);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 409) throw err;
      return groupPage(ctx, tenant, group, { id: "rename", st: { values: { name: group }, errors: {}, general: [err.message] } });
    }
    redirect(ctx, `${base(tenant)}/groups`, `Group ${group} deleted.`);
  });

  return r;
}
