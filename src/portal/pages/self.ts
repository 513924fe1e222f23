import Router from "@koa/router";
import { AppError } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { effectiveForwarding } from "../../domain/effective-forwarding.ts";
import { getTenant } from "../../services/tenants.ts";
import { setPassword } from "../accounts.ts";
import { html } from "../html.ts";
import { hashPassword, passwordProblem, verifyPassword } from "../passwords.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import type { PortalOptions } from "../settings.ts";
import { cleanForm, form, generalErrors, notice, page, textField, type FormState } from "../ui.ts";
import { saveSection, sectionContext, sectionForm } from "./extensions.ts";
import { forwardingSection, voicemailSection } from "./sections.ts";

/** What an extension's user changes themselves: the guide's forwarding and voicemail, and their password. */
const SELF_SECTIONS = [forwardingSection, voicemailSection] as const;

/**
 * Self-service for an extension's user: only their own extension, whatever the URL says (no number
 * in these paths). Other extensions' pages refuse them (403) in extensions.ts.
 */
export function selfRoutes(deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const self = (ctx: PortalContext) => {
    const s = ctx.state.scope!.self;
    if (!s) throw new AppError(403, "forbidden", "My extension is for an extension's user; a system account has none");
    return s;
  };

  async function mePage(ctx: PortalContext, override?: { id: string; st: FormState }): Promise<void> {
    const { tenant, number } = self(ctx);
    const c = await sectionContext(deps, tenant, number);
    const pc = pageContext(ctx);
    const now = effectiveForwarding(c.settings.forwarding, deps.clock(), getTenant(deps, tenant).timeZone);
    const pwSt: FormState = override?.id === "password" ? override.st : cleanForm({});
    const saved = typeof ctx.query.saved === "string" ? `${ctx.query.saved.slice(0, 60)} saved.` : undefined;
    ctx.status = override ? 400 : 200;
    ctx.type = "html";
    ctx.body = page(
      pc,
      `My extension ${number}`,
      html`${notice(saved)}
<p>${c.ext.displayName} · ${tenant}. Right now calls ${now.unconditional ? html`are forwarded to <strong>${now.unconditional.destination}</strong>` : "are not forwarded unconditionally"}.</p>
${SELF_SECTIONS.map((s) => sectionForm(pc, "/me", s, c, override, true))}
<section class="card" id="password" aria-labelledby="pw-h"><h2 id="pw-h">Portal password</h2>
${form(
  pc,
  "/me/password",
  html`${generalErrors(pwSt)}${textField(pwSt, "current", "Current password", { type: "password", value: "", autocomplete: "current-password", required: true })}
${textField(pwSt, "password", "New password", { type: "password", value: "", autocomplete: "new-password", required: true, hint: "At least 10 characters" })}`,
  { submit: "Change the password" },
)}</section>`,
    );
  }

  r.get("/me", async (ctx) => {
    if (!ctx.state.scope!.self) return ctx.redirect("/");
    await mePage(ctx);
  });
  r.post("/me/section/:section", async (ctx) => {
    const { tenant, number } = self(ctx);
    const s = SELF_SECTIONS.find((x) => x.id === ctx.params.section);
    if (!s) throw new AppError(403, "forbidden", `an extension's user cannot change ${String(ctx.params.section).slice(0, 40)}; ask an administrator`);
    await saveSection(ctx, s, await sectionContext(deps, tenant, number), (o) => mePage(ctx, o), "/me");
  });
  r.post("/me/password", async (ctx) => {
    const subject = ctx.state.scope!.subject;
    self(ctx);
    const f = new Fields(ctx.state.form.fields);
    const problem = passwordProblem(f.str("password"));
    if (!subject.passwordHash || !(await verifyPassword(subject.passwordHash, f.str("current")))) {
      return await mePage(ctx, { id: "password", st: { values: {}, errors: { current: "is not your current password" }, general: [] } });
    }
    if (problem) return mePage(ctx, { id: "password", st: { values: {}, errors: { password: problem }, general: [] } });
    await setPassword(deps, subject, await hashPassword(f.str("password")), "portal.password_change");
    // Every session of the account ended with the change, this one too: sign in again.
    ctx.status = 303;
    ctx.redirect("/login");
  });
  return r;
}
