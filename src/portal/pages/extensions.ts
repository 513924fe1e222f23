import Router from "@koa/router";
import { asc, eq } from "drizzle-orm";
import { AppError, invalidInput } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { forceUnregister, ForceUnregisterInput, presentForceUnregister } from "../../registrations/force-unregister.ts";
import { listRegistrations } from "../../registrations/views.ts";
import { currentActor } from "../../services/actor.ts";
import { deleteAvatar, getAvatar, hasAvatar, putAvatar } from "../../services/avatar.ts";
import { duplicateExtension } from "../../services/extension-actions.ts";
import { AvatarInput, DuplicateInput, GroupMembershipInput, PhoneNumberInput } from "../../services/extension-settings/schemas.ts";
import { allowedDeviceMacsIn, readSettings } from "../../services/extension-settings/sections.ts";
import { loadSettingsIn } from "../../services/extension-settings/store.ts";
import { deleteExtension, devicesUsingExtension, devicesUsingExtensionIn, listExtensions, loadExtension, numberWarnings, resetExtensionPassword } from "../../services/extensions.ts";
import { setExtensionGroups } from "../../services/groups.ts";
import { extensionGroupNamesIn } from "../../services/extension-usage.ts";
import { addPhoneNumber, phoneNumbersOfIn, removePhoneNumber } from "../../services/phone-numbers.ts";
import { listTenants } from "../../services/tenants.ts";
import { findAccount, type Subject } from "../accounts.ts";
import { html, raw, type Html } from "../html.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { canAdmin, requireAdmin, requireTenant, seesTenant, type Scope } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { cleanForm, form, formErrors, generalErrors, notice, page, table, textField, type FormState, type PageContext } from "../ui.ts";
import { sendAccountLink } from "./links.ts";
import { ALL_SECTIONS, COMMUNICATION_SECTIONS, forwardingSection, profileSection, type Section, type SectionContext } from "./sections.ts";

const PAGE_SIZE = 25;

const extensionPath = (tenant: string, number: string) => `/tenants/${encodeURIComponent(tenant)}/extensions/${encodeURIComponent(number)}`;

export function sectionContext(deps: ProvisionDeps, tenant: string, number: string): Promise<SectionContext> {
  return deps.data.read(async (q) => {
    const { devices: d } = q.t;
    const ext = await loadExtension(q, tenant, number);
    const settings = await loadSettingsIn(q, ext);
    return {
      deps,
      tenant,
      ext,
      settings,
      allowedDevices: await allowedDeviceMacsIn(q, ext, settings),
      phoneNumbers: await phoneNumbersOfIn(q, ext.id),
      devices: await q.db.select({ mac: d.mac, label: d.label, model: d.model }).from(d).where(eq(d.tenantId, ext.tenantId)).orderBy(d.mac),
    };
  });
}

/** A section's form: saved values, or the submitted ones with their errors. */
export function sectionForm(pc: PageContext, action: string, s: Section, c: SectionContext, override: { id: string; st: FormState } | undefined, editable: boolean): Html {
  const st = override?.id === s.id ? override.st : cleanForm(s.view(c));
  const body = html`${generalErrors(st)}${s.render(st, c)}`;
  return html`<section class="card" id="${s.id}" aria-labelledby="${s.id}-h"><h2 id="${s.id}-h">${s.title}</h2>
${editable ? form(pc, `${action}/section/${s.id}`, body, { submit: `Save ${s.title.toLowerCase()}` }) : html`<fieldset disabled class="stack">${body}</fieldset>`}</section>`;
}

/** Saves one section from its form: 303 back on success, the page again with the errors otherwise. */
export async function saveSection(ctx: PortalContext, s: Section, c: SectionContext, rerender: (o: { id: string; st: FormState }) => void | Promise<void>, back: string): Promise<void> {
  const body = s.decode(new Fields(ctx.state.form.fields), c);
  try {
    await s.save(c, body);
  } catch (err) {
    const fe = formErrors(err, s.fields);
    if (!fe) throw err;
    ctx.status = 400;
    return await rerender({ id: s.id, st: { values: body, ...fe } });
  }
  ctx.status = 303;
  ctx.redirect(`${back}?saved=${encodeURIComponent(s.title)}#${s.id}`);
}

function canSeeExtension(scope: Scope, tenant: string, number: string): boolean {
  if (scope.self && scope.self.tenant === tenant && scope.self.number === number) return true;
  return scope.role !== null && seesTenant(scope, tenant);
}

/** The tenant's extensions list and every page of one extension (the portal guide, docs/extensions.md). */
export function extensionRoutes(deps: ProvisionDeps, options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const BASE = "/tenants/:tenant/extensions/:number";
  const params = (ctx: PortalContext) => [ctx.params.tenant!, ctx.params.number!] as const;

  r.get("/extensions", async (ctx) => {
    const scope = ctx.state.scope!;
    if (!scope.directory && scope.role === null) throw new AppError(403, "forbidden", "this account sees its own extension only (My extension)");
    const tenants = (await listTenants(deps)).filter((t) => seesTenant(scope, t.name));
    const tenant = typeof ctx.query.tenant === "string" && tenants.some((t) => t.name === ctx.query.tenant) ? ctx.query.tenant : tenants[0]?.name;
    const q = typeof ctx.query.q === "string" ? ctx.query.q.trim().slice(0, 100) : "";
    const pageNo = Math.max(1, Number.parseInt(String(ctx.query.page ?? "1"), 10) || 1);
    let rows: { number: string; name: string; username: string; role: string; phones: string[]; registered: boolean }[] = [];
    if (tenant) {
      const regs = await listRegistrations(deps, { tenant });
      const registered = new Set(regs.filter((x) => x.state === "registered").map((x) => x.extension));
      const extensions = await listExtensions(deps, tenant);
      rows = await deps.data.read(async (q) => {
        const found = [];
        for (const e of extensions) {
          const s = await loadSettingsIn(q, e);
          found.push({ number: e.number, name: e.displayName, username: s.username, role: s.profile.role, phones: await devicesUsingExtensionIn(q, e.id), registered: registered.has(e.number) });
        }
        return found;
      });
      if (q) {
        const needle = q.toLowerCase();
        rows = rows.filter((x) => [x.number, x.name, x.username, ...x.phones].some((v) => v.toLowerCase().includes(needle)));
      }
    }
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    const shown = rows.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);
    const link = (p: number) => `/extensions?${new URLSearchParams({ ...(tenant ? { tenant } : {}), ...(q ? { q } : {}), page: String(p) })}`;
    const opensPages = scope.role !== null;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Extensions",
      html`<form method="get" action="/extensions" class="stack" role="search">
<label for="f-tenant"><span class="l">Tenant</span><select id="f-tenant" name="tenant">${tenants.map((t) => html`<option value="${t.name}"${t.name === tenant ? raw(" selected") : ""}>${t.name}</option>`)}</select></label>
<label for="f-q"><span class="l">Search</span><input id="f-q" type="search" name="q" value="${q}" placeholder="number, name, username or MAC"></label>
<div class="actions"><button type="submit">Search</button></div></form>
<p class="muted">${rows.length} extension(s)${q ? html` matching “${q}”` : ""}; page ${pageNo} of ${pages}.</p>
${table(
  ["Number", "Name", "Username", "Role", "Phones", "Registered"],
  shown.map(
    (x) => html`<tr><td>${opensPages || (scope.self?.number === x.number && scope.self.tenant === tenant) ? html`<a href="${extensionPath(tenant!, x.number)}">${x.number}</a>` : x.number}</td><td>${x.name}</td><td>${x.username}</td><td>${x.role}</td><td>${x.phones.join(", ")}</td><td>${x.registered ? html`<span class="badge ok">registered</span>` : html`<span class="badge">no</span>`}</td></tr>`,
  ),
)}
<nav aria-label="Pages" class="actions">${pageNo > 1 ? html`<a class="button secondary" href="${link(pageNo - 1)}">Previous page</a>` : ""}${pageNo < pages ? html`<a class="button secondary" href="${link(pageNo + 1)}">Next page</a>` : ""}</nav>`,
    );
  });

  async function extensionPage(ctx: PortalContext, tenant: string, number: string, override?: { id: string; st: FormState }, extra?: Html): Promise<void> {
    const scope = ctx.state.scope!;
    if (!canSeeExtension(scope, tenant, number)) throw new AppError(403, "forbidden", `this account cannot open extension ${number} of ${tenant}`);
    const c = await sectionContext(deps, tenant, number);
    const admin = canAdmin(scope) && seesTenant(scope, tenant);
    const pc = pageContext(ctx);
    const action = extensionPath(tenant, number);
    const { groups, mine, phones, disabled } = await deps.data.read(async (q) => {
      const { extensionGroups: g, disabledExtensions: de } = q.t;
      return {
        groups: await q.db.select({ name: g.name }).from(g).where(eq(g.tenantId, c.ext.tenantId)).orderBy(asc(g.name)),
        mine: new Set(await extensionGroupNamesIn(q, c.ext.id)),
        phones: await devicesUsingExtensionIn(q, c.ext.id),
        disabled: (await q.db.select({ id: de.extensionId }).from(de).where(eq(de.extensionId, c.ext.id)).limit(1)).length > 0,
      };
    });
    const pictured = await hasAvatar(deps, c.ext.id);
    const saved = typeof ctx.query.saved === "string" ? `${ctx.query.saved.slice(0, 60)} saved.` : undefined;
    const msg = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;
    const avatarSt: FormState = override?.id === "avatar" ? override.st : cleanForm({});
    const pnSt: FormState = override?.id === "phone-numbers" ? override.st : cleanForm({});
    const dupSt: FormState = override?.id === "duplicate" ? override.st : cleanForm({});
    const groupSt: FormState = override?.id === "groups" ? override.st : cleanForm({});
    ctx.status = override ? 400 : ctx.status;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Extension ${number}: ${c.ext.displayName}`,
      html`${notice(saved)}${notice(msg)}${extra ?? ""}
<p class="muted">Tenant ${tenant} · SIP user ${c.ext.sipUser} · phones: ${phones.length ? phones.map((m, i) => html`${i ? ", " : ""}<a href="/devices/${m}">${m}</a>`) : "none"}${disabled ? " · disabled by a force-unregister" : ""}</p>
<ul class="tabs" aria-label="Sections"><li><a href="#information">Information</a></li><li><a href="#profile">Profile actions</a></li><li><a href="#groups">Groups</a></li><li><a href="#communications">Communications</a></li><li><a href="#forwarding">Forwarding</a></li></ul>
${sectionForm(pc, action, profileSection, c, override, admin)}
<section class="card" id="avatar" aria-labelledby="avatar-h"><h2 id="avatar-h">Picture</h2>
${pictured ? html`<img class="avatar" id="avatar-img" src="${action}/avatar" alt="Picture of ${c.ext.displayName}">` : html`<img class="avatar" id="avatar-img" alt="" hidden><p class="muted">No picture.</p>`}
${admin
  ? html`${form(pc, `${action}/avatar`, html`${generalErrors(avatarSt)}<label for="f-avatar"><span class="l">Image file (PNG, JPEG, GIF or WebP, at most 256 KiB)</span><input id="f-avatar" type="file" name="avatar" accept="image/png,image/jpeg,image/gif,image/webp" data-preview="avatar-img"></label>${avatarSt.errors.data ? html`<p class="field-error">${avatarSt.errors.data}</p>` : ""}`, { submit: "Upload the picture", multipart: true })}
${pictured ? form(pc, `${action}/avatar/delete`, html``, { submit: "Remove the picture", cls: "actions" }) : ""}`
  : ""}</section>
<section class="card" id="profile" aria-labelledby="profile-h"><h2 id="profile-h">Profile actions</h2>
${admin
  ? html`<div class="actions">
${form(pc, `${action}/send-reset`, html``, { submit: "Reset password (send a one-time link)", cls: "" })}
${form(pc, `${action}/send-welcome`, html``, { submit: "Send the welcome email", cls: "" })}
${form(pc, `${action}/new-sip-password`, html``, { submit: "New SIP password", cls: "", confirm: `Give extension ${number} a new SIP password? Its phones get it at their next fetch.` })}
<a class="button secondary" href="${action}/unregister">Unregister…</a>
<a class="button secondary" href="${action}/delete">Delete…</a></div>
<h3>Duplicate</h3>
${form(pc, `${action}/duplicate`, html`${generalErrors(dupSt)}${textField(dupSt, "number", "New extension number", { required: true })}${textField(dupSt, "username", "Username of the copy", { hint: "Default: the new number" })}`, { submit: "Duplicate" })}`
  : html`<p class="muted">Only an admin can reset, duplicate, unregister or delete an extension.</p>`}
</section>
<section class="card" id="groups" aria-labelledby="groups-h"><h2 id="groups-h">Groups</h2>
${groups.length === 0 ? html`<p class="muted">The tenant has no groups.</p>` : ""}
${(admin ? (b: Html) => form(pc, `${action}/groups`, b, { submit: "Save groups" }) : (b: Html) => html`<fieldset disabled>${b}</fieldset>`)(
  html`${generalErrors(groupSt)}<fieldset><legend>Member of</legend>${groups.map((g) => html`<label class="check"><input type="checkbox" name="groups" value="${g.name}"${mine.has(g.name) ? raw(" checked") : ""}> <span>${g.name}</span></label>`)}</fieldset>`,
)}</section>
<h2 id="communications">Communications</h2>
${COMMUNICATION_SECTIONS.map((s) => sectionForm(pc, action, s, c, override, admin))}
<section class="card" id="phone-numbers" aria-labelledby="pn-h"><h2 id="pn-h">Phone numbers</h2>
${c.phoneNumbers.length
  ? html`<ul>${c.phoneNumbers.map((n) => html`<li>${n} ${admin ? form(pc, `${action}/phone-numbers/remove`, html`<input type="hidden" name="number" value="${n}">`, { submit: `Remove ${n}`, cls: "actions" }) : ""}</li>`)}</ul>`
  : html`<p class="muted">No phone numbers.</p>`}
${admin ? form(pc, `${action}/phone-numbers`, html`${generalErrors(pnSt)}${textField(pnSt, "number", "Add a number", { hint: "3-20 digits, optional leading +" })}`, { submit: "Add the number" }) : ""}</section>
${sectionForm(pc, action, forwardingSection, c, override, admin)}`,
    );
  }

  r.get(BASE, (ctx) => extensionPage(ctx, ...params(ctx)));

  r.post(`${BASE}/section/:section`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const s = ALL_SECTIONS.find((x) => x.id === ctx.params.section);
    if (!s) throw new AppError(404, "not_found", `no section ${ctx.params.section}`);
    await saveSection(ctx, s, await sectionContext(deps, tenant, number), (o) => extensionPage(ctx, tenant, number, o), extensionPath(tenant, number));
  });

  /** Runs a change; a refused one re-renders the page with the error in form `id`. */
  async function attempt(ctx: PortalContext, id: string, fields: string[], values: unknown, fn: () => string | void | Promise<string | void>): Promise<void> {
    const [tenant, number] = params(ctx);
    try {
      const done = await fn();
      ctx.status = 303;
      ctx.redirect(`${extensionPath(tenant, number)}${done ? `?done=${encodeURIComponent(done)}` : ""}#${id}`);
    } catch (err) {
      const fe = formErrors(err, fields);
      if (!fe) throw err;
      await extensionPage(ctx, tenant, number, { id, st: { values, ...fe } });
    }
  }

  r.get(`${BASE}/avatar`, async (ctx) => {
    const [tenant, number] = params(ctx);
    if (!canSeeExtension(ctx.state.scope!, tenant, number)) throw new AppError(403, "forbidden", "not your extension");
    const a = await getAvatar(deps, tenant, number);
    ctx.type = a.contentType;
    ctx.set("Cache-Control", "private, no-cache");
    ctx.body = a.data;
  });
  r.post(`${BASE}/avatar`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const file = ctx.state.form.files.get("avatar");
    await attempt(ctx, "avatar", ["data", "contentType"], {}, async () => {
      if (!file) throw invalidInput("data: choose an image file first");
      const input = AvatarInput.parse({ contentType: file.mimeType, data: file.data.toString("base64") });
      await putAvatar(deps, tenant, number, input);
      return "Picture saved.";
    });
  });
  r.post(`${BASE}/avatar/delete`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    await attempt(ctx, "avatar", [], {}, async () => {
      await deleteAvatar(deps, tenant, number);
      return "Picture removed.";
    });
  });

  r.post(`${BASE}/phone-numbers`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const value = new Fields(ctx.state.form.fields).str("number").trim();
    await attempt(ctx, "phone-numbers", ["number"], { number: value }, async () => {
      await addPhoneNumber(deps, tenant, number, PhoneNumberInput.parse({ number: value }).number);
      return `Phone number ${value} added.`;
    });
  });
  r.post(`${BASE}/phone-numbers/remove`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const value = new Fields(ctx.state.form.fields).str("number");
    await attempt(ctx, "phone-numbers", ["number"], {}, async () => {
      await removePhoneNumber(deps, tenant, number, value);
      return `Phone number ${value} removed.`;
    });
  });
  r.post(`${BASE}/groups`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const groups = new Fields(ctx.state.form.fields).all("groups");
    await attempt(ctx, "groups", ["groups"], { groups }, async () => {
      await setExtensionGroups(deps, tenant, number, GroupMembershipInput.parse({ groups }).groups);
      return "Groups saved.";
    });
  });
  r.post(`${BASE}/new-sip-password`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    await attempt(ctx, "profile", [], {}, async () => {
      await resetExtensionPassword(deps, tenant, number);
      return "New SIP password set; the phones get it at their next fetch.";
    });
  });

  /** Reset and welcome links go by email to the personal contact; without one the admin gets the link to pass on. */
  async function sendLink(ctx: PortalContext, purpose: "reset" | "welcome"): Promise<void> {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const { settings } = await readSettings(deps, tenant, number);
    const subject: Subject | null = await findAccount(deps, `${settings.username}@${tenant}`);
    if (!subject || subject.kind !== "extension") throw new AppError(404, "not_found", `no portal account for extension ${number}`);
    const { done, extra } = await sendAccountLink(deps, options, subject, purpose, { target: `extension:${tenant}/${number}`, tenantId: subject.tenantId, extension: number });
    if (extra) return await extensionPage(ctx, tenant, number, undefined, extra);
    ctx.status = 303;
    ctx.redirect(`${extensionPath(tenant, number)}?done=${encodeURIComponent(done!)}#profile`);
  }
  r.post(`${BASE}/send-reset`, (ctx) => sendLink(ctx, "reset"));
  r.post(`${BASE}/send-welcome`, (ctx) => sendLink(ctx, "welcome"));

  r.post(`${BASE}/duplicate`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    const values = { number: f.str("number").trim(), username: f.opt("username") ?? undefined };
    try {
      const copy = await duplicateExtension(deps, tenant, number, DuplicateInput.parse(values));
      const warnings = await numberWarnings(deps, tenant, copy.number);
      ctx.status = 303;
      ctx.redirect(`${extensionPath(tenant, copy.number)}?done=${encodeURIComponent(`Duplicated from ${number}.${warnings.length ? ` Warning: ${warnings.join("; ")}` : ""}`)}`);
    } catch (err) {
      const fe = formErrors(err, ["number", "username"]);
      if (!fe) throw err;
      await extensionPage(ctx, tenant, number, { id: "duplicate", st: { values, ...fe } });
    }
  });

  // Unregister: a confirmation page (naming the phones), then the request, then its live status.
  r.get(`${BASE}/unregister`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const { ext } = await readSettings(deps, tenant, number);
    const phones = await devicesUsingExtension(deps, ext.id);
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `Unregister extension ${number}?`,
      html`<p>This forces the logout of ${number}: it gets a new SIP password and ${phones.length ? html`is taken off ${phones.length} phone(s) (${phones.join(", ")}), each told to fetch its configuration again` : "no phone carries it"}. phonehome then waits for each phone to confirm.</p>
${form(
  pageContext(ctx),
  `${extensionPath(tenant, number)}/unregister`,
  html`<fieldset><legend>How</legend><label class="check"><input type="radio" name="mode" value="remove" checked> <span>Remove it from the phones (lines, BLF keys, layouts, groups)</span></label>
<label class="check"><input type="radio" name="mode" value="disable"> <span>Keep the assignments but disable it (can be enabled again)</span></label></fieldset>
<label class="check"><input type="checkbox" name="confirm" value="yes" required> <span>Yes, unregister extension ${number}</span></label>`,
  { submit: "Unregister now", danger: true },
)}<p><a href="${extensionPath(tenant, number)}">Cancel</a></p>`,
    );
  });
  r.post(`${BASE}/unregister`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const f = new Fields(ctx.state.form.fields);
    if (f.str("confirm") !== "yes") throw invalidInput("confirm: tick the box to confirm the unregister");
    const input = ForceUnregisterInput.parse({ mode: f.str("mode") || "remove" });
    const { request, done } = await forceUnregister(deps, options.sip, tenant, number, input, currentActor());
    done.catch((err) => deps.logger.error({ err }, "NOTIFY job failed"));
    ctx.status = 303;
    ctx.redirect(`${extensionPath(tenant, number)}/unregister/${request.id}`);
  });
  r.get(`${BASE}/unregister/:id`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireTenant(ctx.state.scope!, tenant);
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id) || id < 1) throw invalidInput("id: not a request id");
    const req = await presentForceUnregister(deps, id);
    if (req.extension !== number) throw new AppError(404, "not_found", `request ${id} is not for extension ${number}`);
    const finished = req.state !== "pending";
    if (ctx.accepts("html", "json") === "json") {
      ctx.body = {
        done: finished,
        cells: [{ id: "fu-state", text: req.state }, ...req.devices.flatMap((d) => [{ id: `fu-${d.mac}-state`, text: d.state }, { id: `fu-${d.mac}-notify`, text: `${d.notify ?? ""}${d.notifyDetail ? ` (${d.notifyDetail})` : ""}` }])],
      };
      return;
    }
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `Unregistering extension ${number}`,
      html`<p>Request ${req.id} (${req.mode}): <strong id="fu-state" aria-live="polite">${req.state}</strong>. Deadline ${req.deadlineAt ?? ""}. ${finished ? "" : "This page updates by itself."}</p>
<div data-poll="${extensionPath(tenant, number)}/unregister/${req.id}">${table(
        ["Phone", "State", "NOTIFY"],
        req.devices.map((d) => html`<tr><td><a href="/devices/${d.mac}">${d.mac}</a></td><td id="fu-${d.mac}-state" aria-live="polite">${d.state}</td><td id="fu-${d.mac}-notify">${d.notify ?? ""}${d.notifyDetail ? ` (${d.notifyDetail})` : ""}</td></tr>`),
      )}</div>
${req.devices.length === 0 ? html`<p class="muted">No phone had to be waited for.</p>` : ""}
<p><a href="${extensionPath(tenant, number)}">Back to the extension</a></p>`,
      { refreshSeconds: finished ? undefined : 2 },
    );
  });

  r.get(`${BASE}/delete`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    const { ext } = await readSettings(deps, tenant, number);
    const phones = await devicesUsingExtension(deps, ext.id);
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      `Delete extension ${number}?`,
      html`<p>${phones.length ? html`Phones ${phones.join(", ")} carry or watch it: deleting removes it from their lines and keys (their files lose it at the next fetch).` : "No phone carries or watches it."} This cannot be undone.</p>
${form(pageContext(ctx), `${extensionPath(tenant, number)}/delete`, html`<label class="check"><input type="checkbox" name="confirm" value="yes" required> <span>Yes, delete extension ${number}</span></label>`, { submit: "Delete", danger: true })}
<p><a href="${extensionPath(tenant, number)}">Cancel</a></p>`,
    );
  });
  r.post(`${BASE}/delete`, async (ctx) => {
    const [tenant, number] = params(ctx);
    requireAdmin(ctx.state.scope!, tenant);
    if (new Fields(ctx.state.form.fields).str("confirm") !== "yes") throw invalidInput("confirm: tick the box to confirm the deletion");
    await deleteExtension(deps, tenant, number, { detach: true });
    ctx.status = 303;
    ctx.redirect(`/extensions?tenant=${encodeURIComponent(tenant)}`);
  });
  return r;
}
