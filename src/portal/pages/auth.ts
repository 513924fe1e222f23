import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { insertAudit } from "../../services/audit.ts";
import { audited, findAccount, loadSubject, setPassword, type Subject } from "../accounts.ts";
import { withActor } from "../../services/actor.ts";
import { LOGIN_COOKIE, SESSION_COOKIE, setCookie } from "../cookies.ts";
import { html, type Html } from "../html.ts";
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from "../passwords.ts";
import { Fields, pageContext, type PortalContext, type PortalState } from "../request.ts";
import { checkCode, clearFailures, createLink, createSession, findLink, newCode, recordFailure, revokeSession, signInVerdict, useLinkIn } from "../sessions.ts";
import type { PortalOptions } from "../settings.ts";
import { cleanForm, form, generalErrors, page, textField, type FormState } from "../ui.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where to go after sign-in: a local path only. */
function safeNext(v: unknown): string {
  return typeof v === "string" && /^\/(?!\/)[^\s\\]*$/.test(v) && !v.startsWith("/login") ? v : "/";
}

const maskEmail = (e: string) => e.replace(/^(.).*?(@.*)$/, "$1***$2");

/** What the audit trail records of a sign-in: the account, never the password or code. One insert: read committed. */
async function audit(deps: ProvisionDeps, ip: string, account: string, action: string, outcome: string, detail?: string, subject?: Subject): Promise<void> {
  const at = deps.clock().getTime();
  const event = {
    actor: subject ? (subject.kind === "system" ? `user:${subject.username}` : `extension-user:${subject.username}`) : `portal:${ip}`,
    action,
    target: subject?.kind === "extension" ? `extension:${subject.tenant}/${subject.number}` : `login:${account.slice(0, 200)}`,
    ...(subject?.kind === "extension" ? { tenantId: subject.tenantId, extension: subject.number } : {}),
    outcome,
    detail: `${detail ? `${detail}; ` : ""}from ${ip}`,
  };
  await deps.data.write((q) => insertAudit(q, at, event), { isolation: "read committed" });
}

/** Sign-in (with the two-step code), sign-out, forgotten password, and the one-time reset / welcome links. */
export function authRoutes(deps: ProvisionDeps, options: PortalOptions): Router<PortalState> {
  const r = new Router<PortalState>();
  const s = options.settings;

  function loginPage(ctx: PortalContext, st: FormState, status = 200, message?: Html): void {
    const next = safeNext(ctx.query.next ?? ctx.state.form.fields.get("next"));
    ctx.status = status;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Sign in",
      html`<div class="login">${message ?? ""}${generalErrors(st)}
${form(
  pageContext(ctx),
  "/login",
  html`<input type="hidden" name="next" value="${next}">
${textField(st, "username", "Username", { required: true, autocomplete: "username", hint: "An account name, or username@tenant for an extension's user" })}
${textField(st, "password", "Password", { type: "password", required: true, autocomplete: "current-password", value: "" })}`,
  { submit: "Sign in" },
)}
<p><a href="/forgot">Forgot your password?</a></p></div>`,
    );
  }

  function codePage(ctx: PortalContext, to: string, error?: string, status = 200): void {
    ctx.status = status;
    ctx.type = "html";
    const st: FormState = { values: {}, errors: error ? { code: error } : {}, general: [] };
    ctx.body = page(
      pageContext(ctx),
      "Enter the sign-in code",
      html`<div class="login"><p>A one-time code was sent to ${to}. It is valid for ${s.codeMinutes} minutes.</p>
${form(pageContext(ctx), "/login", html`<input type="hidden" name="next" value="${safeNext(ctx.query.next ?? ctx.state.form.fields.get("next"))}">${textField(st, "code", "Code", { required: true, autocomplete: "one-time-code" })}`, { submit: "Continue" })}
<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${ctx.state.csrf}"><button class="secondary" type="submit">Start again</button></form></div>`,
    );
  }

  async function startSession(ctx: PortalContext, subject: Subject, stage: "code" | "full", code?: string): Promise<void> {
    const { cookie } = await createSession(deps, subject, stage, s, ctx.ip, code);
    setCookie(ctx, options, SESSION_COOKIE, cookie);
  }

  r.get("/login", async (ctx) => {
    if (ctx.state.scope) return ctx.redirect(safeNext(ctx.query.next));
    const pending = ctx.state.session?.stage === "code" ? await loadSubject(deps, ctx.state.session.kind, ctx.state.session.subjectId) : null;
    if (pending?.email) return codePage(ctx, maskEmail(pending.email));
    loginPage(ctx, cleanForm({}));
  });

  r.post("/login", async (ctx) => {
    const f = new Fields(ctx.state.form.fields);
    const next = safeNext(f.str("next"));
    const session = ctx.state.session;
    // Second step: the code sent by email.
    if (session?.stage === "code") {
      const subject = await loadSubject(deps, session.kind, session.subjectId);
      const account = subject?.username ?? "";
      const verdict = await signInVerdict(deps, deps.clock().getTime(), ctx.ip, account, s);
      if (verdict.refused) {
        await audit(deps, ctx.ip, account, "portal.sign_in", "refused", "too many failures", subject ?? undefined);
        return codePage(ctx, subject?.email ? maskEmail(subject.email) : "you", verdict.refused, 429);
      }
      await sleep(verdict.delayMs);
      const result = await checkCode(deps, session, f.str("code"));
      if (result !== "ok" || !subject || subject.disabled) {
        await recordFailure(deps, deps.clock().getTime(), ctx.ip, account);
        await audit(deps, ctx.ip, account, "portal.sign_in", "failed", "wrong code", subject ?? undefined);
        if (result === "ended") {
          setCookie(ctx, options, SESSION_COOKIE, "", true);
          return loginPage(ctx, { values: {}, errors: {}, general: ["Too many wrong codes: sign in again to get a new one."] }, 401);
        }
        return codePage(ctx, subject?.email ? maskEmail(subject.email) : "you", "The code is wrong or has expired.", 401);
      }
      await revokeSession(deps, session.id, deps.clock().getTime());
      await clearFailures(deps, account);
      await startSession(ctx, subject, "full");
      await audit(deps, ctx.ip, account, "portal.sign_in", "ok", "two-step", subject);
      return ctx.redirect(next);
    }

    const username = f.str("username").trim().slice(0, 200);
    const password = f.str("password");
    const values = { username };
    if (!username || !password) {
      return loginPage(ctx, { values, errors: { ...(!username ? { username: "is mandatory" } : {}), ...(!password ? { password: "is mandatory" } : {}) }, general: [] }, 400);
    }
    const verdict = await signInVerdict(deps, deps.clock().getTime(), ctx.ip, username, s);
    if (verdict.refused) {
      await audit(deps, ctx.ip, username, "portal.sign_in", "refused", "too many failures");
      return loginPage(ctx, { values, errors: {}, general: [`Sign-in refused: ${verdict.refused}.`] }, 429);
    }
    await sleep(verdict.delayMs);
    const subject = await findAccount(deps, username);
    const ok = await verifyPassword(subject?.passwordHash ?? (await dummyHash()), password);
    if (!subject || !subject.passwordHash || !ok || subject.disabled) {
      await recordFailure(deps, deps.clock().getTime(), ctx.ip, username);
      const why = !subject ? "no such account" : !subject.passwordHash ? "no password set" : !ok ? "wrong password" : subject.kind === "extension" ? "login not allowed" : "account disabled";
      await audit(deps, ctx.ip, username, "portal.sign_in", "failed", why, subject ?? undefined);
      return loginPage(ctx, { values, errors: {}, general: ["The username or password is wrong, or this account may not sign in."] }, 401);
    }
    if (subject.twoStep) {
      if (!subject.email) {
        const why = subject.kind === "extension" && subject.phone
          ? "Two-step sign-in sends the code to the personal contact, which is a phone number: that needs an SMS gateway, and phonehome has none. Ask an administrator to set an email address as the personal contact."
          : "Two-step sign-in is on but the account has no email address for the code. Ask an administrator to add one.";
        await audit(deps, ctx.ip, username, "portal.sign_in", "refused", subject.kind === "extension" && subject.phone ? "two-step code needs an SMS gateway" : "two-step without email", subject);
        return loginPage(ctx, { values, errors: {}, general: [why] }, 403);
      }
      if (!options.mailer.configured) {
        await audit(deps, ctx.ip, username, "portal.sign_in", "refused", "two-step code: no SMTP relay configured", subject);
        return loginPage(ctx, { values, errors: {}, general: ["Two-step sign-in needs to email a code, but no SMTP relay is configured (smtpHost). Ask the operator."] }, 503);
      }
      const code = newCode();
      try {
        await options.mailer.send(subject.email, "Your phonehome sign-in code", `Your sign-in code is ${code}\n\nIt is valid for ${s.codeMinutes} minutes. If you did not try to sign in, change your password.`);
      } catch (err) {
        deps.logger.error({ err }, "sending the sign-in code failed");
        await audit(deps, ctx.ip, username, "portal.sign_in", "failed", "sending the code failed", subject);
        return loginPage(ctx, { values, errors: {}, general: ["The sign-in code could not be sent (the mail server refused or did not answer). Try again later."] }, 503);
      }
      await startSession(ctx, subject, "code", code);
      await audit(deps, ctx.ip, username, "portal.sign_in_code", "ok", "code sent", subject);
      return ctx.redirect(`/login${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`);
    }
    await clearFailures(deps, username);
    await startSession(ctx, subject, "full");
    await audit(deps, ctx.ip, username, "portal.sign_in", "ok", undefined, subject);
    ctx.redirect(next);
  });

  r.post("/logout", async (ctx) => {
    const session = ctx.state.session;
    if (session) {
      await revokeSession(deps, session.id, deps.clock().getTime());
      const subject = await loadSubject(deps, session.kind, session.subjectId);
      await audit(deps, ctx.ip, subject?.username ?? "", "portal.sign_out", "ok", undefined, subject ?? undefined);
    }
    setCookie(ctx, options, SESSION_COOKIE, "", true);
    setCookie(ctx, options, LOGIN_COOKIE, "", true);
    ctx.redirect("/login");
  });

  r.get("/forgot", (ctx) => {
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      "Forgot your password?",
      html`<div class="login"><p>Enter your username. If the account has an email address, a one-time link to choose a new password is sent there; it is valid for ${s.linkHours} hours and works once.</p>
${options.mailer.configured ? "" : html`<div class="notice bad"><p>No SMTP relay is configured, so no email can be sent. Ask an administrator to reset the password.</p></div>`}
${form(pageContext(ctx), "/forgot", textField(cleanForm({}), "username", "Username", { required: true, autocomplete: "username" }), { submit: "Send the link" })}</div>`,
    );
  });

  r.post("/forgot", async (ctx) => {
    const username = new Fields(ctx.state.form.fields).str("username").trim().slice(0, 200);
    const verdict = await signInVerdict(deps, deps.clock().getTime(), ctx.ip, username, s);
    const subject = verdict.refused ? null : await findAccount(deps, username);
    if (subject && !subject.disabled && subject.email && options.mailer.configured) {
      const t = await createLink(deps, "reset", subject, s);
      try {
        await options.mailer.send(subject.email, "Choose a new phonehome password", `Open this link to choose a new password:\n\n${s.portalUrl}reset/${t}\n\nIt is valid for ${s.linkHours} hours and works once. If you did not ask for it, ignore this email.`);
        await audit(deps, ctx.ip, username, "portal.reset_requested", "ok", "link sent", subject);
      } catch (err) {
        deps.logger.error({ err }, "sending the reset link failed");
        await audit(deps, ctx.ip, username, "portal.reset_requested", "failed", "sending failed", subject);
      }
    } else {
      // Counts like a failed sign-in, so the form cannot be used to probe or flood.
      await recordFailure(deps, deps.clock().getTime(), ctx.ip, username);
      await audit(deps, ctx.ip, username, "portal.reset_requested", "failed", subject ? "no email address or no SMTP relay" : verdict.refused ? "refused" : "no such account", subject ?? undefined);
    }
    ctx.type = "html";
    ctx.body = page(pageContext(ctx), "Check your email", html`<div class="login"><p>If the account exists and has an email address, a link to choose a new password was sent to it.</p><p><a href="/login">Back to sign-in</a></p></div>`);
  });

  function resetPage(ctx: PortalContext, purpose: string, st: FormState, status = 200): void {
    ctx.status = status;
    ctx.type = "html";
    ctx.body = page(
      pageContext(ctx),
      purpose === "welcome" ? "Welcome: choose your password" : "Choose a new password",
      html`<div class="login">${generalErrors(st)}${form(
        pageContext(ctx),
        ctx.path,
        html`${textField(st, "password", "New password", { type: "password", required: true, autocomplete: "new-password", hint: "At least 10 characters", value: "" })}
${textField(st, "confirm", "The same password again", { type: "password", required: true, autocomplete: "new-password", value: "" })}`,
        { submit: "Save the password" },
      )}</div>`,
    );
  }

  const deadLink = (ctx: PortalContext) => {
    ctx.status = 410;
    ctx.type = "html";
    ctx.body = page(pageContext(ctx), "This link no longer works", html`<div class="login"><p>The link has expired or was already used. Ask for a new one on <a href="/forgot">Forgot your password?</a></p></div>`);
  };

  r.get("/reset/:token", async (ctx) => {
    const link = await findLink(deps, ctx.params.token!);
    if (!link) return deadLink(ctx);
    resetPage(ctx, link.purpose, cleanForm({}));
  });

  r.post("/reset/:token", async (ctx) => {
    const link = await findLink(deps, ctx.params.token!);
    if (!link) return deadLink(ctx);
    const f = new Fields(ctx.state.form.fields);
    const password = f.str("password");
    const problem = passwordProblem(password);
    if (problem) return resetPage(ctx, link.purpose, { values: {}, errors: { password: problem }, general: [] }, 400);
    if (password !== f.str("confirm")) return resetPage(ctx, link.purpose, { values: {}, errors: { confirm: "is not the same as the new password" }, general: [] }, 400);
    const subject = await loadSubject(deps, link.kind, link.subjectId);
    if (!subject) return deadLink(ctx);
    const hashed = await hashPassword(password);
    const now = deps.clock().getTime();
    try {
      await withActor(audited(subject), () =>
        setPassword(deps, subject, hashed, link.purpose === "welcome" ? "portal.welcome_password" : "portal.password_reset", async (q) => {
          if (!(await useLinkIn(q, link.id, now))) throw new Error("link already used");
        }),
      );
    } catch {
      return deadLink(ctx);
    }
    ctx.type = "html";
    ctx.body = page(pageContext(ctx), "Password saved", html`<div class="login"><p>Your password is saved. <a href="/login">Sign in</a> with it.</p></div>`);
  });

  return r;
}
