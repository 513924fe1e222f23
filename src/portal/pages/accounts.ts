import Router from "@koa/router";
import { AppError } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { listTenants } from "../../services/tenants.ts";
import type { Tenant } from "../../db/rows.ts";
import { createSystemUser, disableSystemUser, findAccount, listSystemUsers, SYSTEM_ROLES, updateSystemUser, type SystemSubject } from "../accounts.ts";
import { html, raw, type Html } from "../html.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { requireUnlimited } from "../scope.ts";
import type { PortalOptions } from "../settings.ts";
import { checkField, cleanForm, form, formErrors, generalErrors, notice, page, selectField, table, textField, type FormState } from "../ui.ts";
import { sendAccountLink } from "./links.ts";

const ROLE_OPTIONS = SYSTEM_ROLES.map((r) => [r, r] as const);
const FIELDS = ["username", "role", "tenants", "email", "twoStep"];

/**
 * System accounts (admin, technician, readonly; across tenants or limited to some), for admins across
 * every tenant: create (the first password is chosen through a welcome link, never shown), change
 * role, tenants, email and two-step, send a reset link, disable. Same services as `phonehome user`.
 */
export function accountRoutes(deps: ProvisionDeps, options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const admin = (ctx: PortalContext) => requireUnlimited(ctx.state.scope!, "admin");
  const path = (name: string) => `/accounts/${encodeURIComponent(name)}`;

  function decode(f: Fields) {
    return { username: f.str("username").trim(), role: f.str("role"), tenants: f.all("tenants"), email: f.opt("email"), twoStep: f.bool("twoStep") };
  }

  function tenantBoxes(st: FormState, prefix: string, tenants: readonly Tenant[]): Html {
    const chosen = new Set(((st.values as { tenants?: readonly string[] | null }).tenants ?? []) as string[]);
    return html`<fieldset><legend>Tenants</legend><p class="muted">None ticked = every tenant.</p>${tenants.map((t) => html`<label class="check" for="${prefix}-t-${t.name}"><input id="${prefix}-t-${t.name}" type="checkbox" name="tenants" value="${t.name}"${chosen.has(t.name) ? raw(" checked") : ""}> <span>${t.name}</span></label>`)}</fieldset>${st.errors.tenants ? html`<p class="field-error">${st.errors.tenants}</p>` : ""}`;
  }

  async function listPage(ctx: PortalContext, createSt?: FormState, extra?: Html): Promise<void> {
    admin(ctx);
    const tenants = await listTenants(deps);
    const users = await listSystemUsers(deps);
    const pc = pageContext(ctx);
    const st = createSt ?? cleanForm({ role: "technician", tenants: [] });
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;
    ctx.status = createSt ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      "Accounts",
      html`${notice(done)}${extra ?? ""}
<p class="muted">System accounts. Extension users sign in as <code>username@tenant</code> and are managed on their extension's page.</p>
${table(
  ["Account", "Role", "Tenants", "Email", "Two-step", "State"],
  users.map(
    (u) => html`<tr><td><a href="${path(u.username)}">${u.username}</a></td><td>${u.role}</td><td>${u.tenants ? u.tenants.join(", ") : "every tenant"}</td><td>${u.email ?? ""}</td><td>${u.twoStep ? "yes" : "no"}</td><td>${u.disabled ? html`<span class="badge bad">disabled</span>` : u.passwordHash ? html`<span class="badge ok">active</span>` : html`<span class="badge">no password yet</span>`}</td></tr>`,
  ),
)}
<section class="card" id="create" aria-labelledby="create-h"><h2 id="create-h">New account</h2>
${form(
  pc,
  "/accounts",
  html`${generalErrors(st)}${textField(st, "username", "Username", { required: true, hint: "letters, digits and . _ -", autocomplete: "off" })}
${selectField(st, "role", "Role", ROLE_OPTIONS, { required: true })}
${tenantBoxes(st, "new", tenants)}
${textField(st, "email", "Email", { type: "email", hint: "for the welcome link, reset links and two-step codes" })}
${checkField(st, "twoStep", "Two-step sign-in (a code by email)")}`,
  { submit: "Create the account" },
)}</section>`,
    );
  }

  async function accountPage(ctx: PortalContext, name: string, editSt?: FormState, extra?: Html): Promise<void> {
    admin(ctx);
    const tenants = await listTenants(deps);
    const u = (await listSystemUsers(deps)).find((x) => x.username === name);
    if (!u) throw new AppError(404, "not_found", `no account named ${name}`);
    const pc = pageContext(ctx);
    const st = editSt ?? cleanForm({ role: u.role, tenants: u.tenants ?? [], email: u.email, twoStep: u.twoStep });
    const done = typeof ctx.query.done === "string" ? ctx.query.done.slice(0, 200) : undefined;
    const self = ctx.state.scope!.subject.kind === "system" && ctx.state.scope!.subject.id === u.id;
    ctx.status = editSt ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `Account ${u.username}`,
      html`${notice(done)}${extra ?? ""}
<p>${u.disabled ? html`<span class="badge bad">disabled</span> This account cannot sign in.` : u.passwordHash ? "Active." : "No password yet: send the welcome link."}</p>
<section class="card" id="edit" aria-labelledby="edit-h"><h2 id="edit-h">Role and scope</h2>
${form(
  pc,
  `${path(u.username)}`,
  html`${generalErrors(st)}${selectField(st, "role", "Role", ROLE_OPTIONS, { required: true })}${tenantBoxes(st, "edit", tenants)}
${textField(st, "email", "Email", { type: "email" })}${checkField(st, "twoStep", "Two-step sign-in (a code by email)")}`,
  { submit: "Save" },
)}</section>
<section class="card" id="actions" aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2><div class="actions">
${form(pc, `${path(u.username)}/send-reset`, html``, { submit: u.passwordHash ? "Reset password (send a one-time link)" : "Send the welcome link", cls: "" })}
${u.disabled || self ? "" : form(pc, `${path(u.username)}/disable`, html``, { submit: "Disable the account", cls: "", danger: true, confirm: `Disable ${u.username}? Its sessions end at once.` })}
</div>${self ? html`<p class="muted">You cannot disable the account you are signed in with.</p>` : ""}</section>
<p><a href="/accounts">Back to the accounts</a></p>`,
    );
  }

  r.get("/accounts", (ctx) => listPage(ctx));
  r.post("/accounts", async (ctx) => {
    admin(ctx);
    const input = decode(new Fields(ctx.state.form.fields));
    let created: SystemSubject;
    try {
      created = await createSystemUser(deps, input, null);
    } catch (err) {
      const fe = formErrors(err, FIELDS);
      if (!fe) throw err;
      return listPage(ctx, { values: input, ...fe });
    }
    const { done, extra } = await sendAccountLink(deps, options, created, "welcome", { target: `user:${created.username}` });
    if (extra) return accountPage(ctx, created.username, undefined, html`<div class="notice ok" role="status">Account ${created.username} created.</div>${extra}`);
    ctx.status = 303;
    ctx.redirect(`${path(created.username)}?done=${encodeURIComponent(`Account ${created.username} created. ${done}`)}`);
  });
  r.get("/accounts/:name", (ctx) => accountPage(ctx, ctx.params.name!));
  r.post("/accounts/:name", async (ctx) => {
    admin(ctx);
    const name = ctx.params.name!;
    const input = { ...decode(new Fields(ctx.state.form.fields)), username: name };
    try {
      await updateSystemUser(deps, name, input);
    } catch (err) {
      const fe = formErrors(err, FIELDS);
      if (!fe) throw err;
      return accountPage(ctx, name, { values: input, ...fe });
    }
    ctx.status = 303;
    ctx.redirect(`${path(name)}?done=${encodeURIComponent("Saved.")}`);
  });
  r.post("/accounts/:name/send-reset", async (ctx) => {
    admin(ctx);
    const name = ctx.params.name!;
    const subject = await findAccount(deps, name);
    if (!subject || subject.kind !== "system") throw new AppError(404, "not_found", `no account named ${name}`);
    const { done, extra } = await sendAccountLink(deps, options, subject, subject.passwordHash ? "reset" : "welcome", { target: `user:${name}` });
    if (extra) return accountPage(ctx, name, undefined, extra);
    ctx.status = 303;
    ctx.redirect(`${path(name)}?done=${encodeURIComponent(done!)}`);
  });
  r.post("/accounts/:name/disable", async (ctx) => {
    admin(ctx);
    const name = ctx.params.name!;
    const me = ctx.state.scope!.subject;
    if (me.kind === "system" && me.username === name) throw new AppError(409, "conflict", "you cannot disable the account you are signed in with; ask another admin");
    await disableSystemUser(deps, name);
    ctx.status = 303;
    ctx.redirect(`${path(name)}?done=${encodeURIComponent(`${name} is disabled; its sessions have ended.`)}`);
  });
  return r;
}
