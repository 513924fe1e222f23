import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import Router from "@koa/router";
import type { Middleware } from "koa";
import { DatabaseBusyError } from "../db/busy.ts";
import { AppError } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { withActor } from "../services/actor.ts";
import { audited, loadSubject } from "./accounts.ts";
import { html } from "./html.ts";
import { EMPTY_FORM, pageContext, readForm, type PortalContext, type PortalState } from "./request.ts";
import { scopeOf } from "./scope.ts";
import { findSession, pruneSessions } from "./sessions.ts";
import type { PortalOptions } from "./settings.ts";
import { page } from "./ui.ts";
import { LOGIN_COOKIE, SESSION_COOKIE, setCookie } from "./cookies.ts";
import { authRoutes } from "./pages/auth.ts";
import { extensionRoutes } from "./pages/extensions.ts";
import { selfRoutes } from "./pages/self.ts";
import { homeRoutes } from "./pages/home.ts";
import { deviceRoutes } from "./pages/devices.ts";
import { onboardingRoutes } from "./pages/onboarding.ts";
import { tenantRoutes } from "./pages/tenants.ts";
import { tenantCatalogRoutes } from "./pages/tenant-catalog.ts";
import { accountRoutes } from "./pages/accounts.ts";
import { auditRoutes } from "./pages/audit.ts";
import { firmwareRoutes } from "./pages/firmware.ts";

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  "/assets/portal.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("./assets/portal.css", import.meta.url)) },
  "/assets/portal.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("./assets/portal.js", import.meta.url)) },
};

/** Paths a browser without a session may open. */
const PUBLIC = [/^\/login$/, /^\/forgot$/, /^\/reset\/[^/]+$/, /^\/assets\//];

function errorPage(ctx: PortalContext, status: number, title: string, message: string): void {
  ctx.status = status;
  ctx.type = "html";
  ctx.body = page(pageContext(ctx), title, html`<div class="notice bad" role="alert"><p>${message}</p></div><p><a href="/">Back to the start page</a></p>`);
}

/**
 * The portal: server-rendered pages on the admin listener at `/` (the API stays under /api/v1).
 * Order: assets, error pages, session, CSRF on every POST, then the page routers. Each request runs
 * as its account (`user:<name>` or `extension-user:<username@tenant>`) so changes are audited with it.
 */
export function portalMiddleware(deps: ProvisionDeps, options: PortalOptions): Middleware {
  const router = new Router<PortalState>();
  for (const r of [authRoutes(deps, options), homeRoutes(deps, options), extensionRoutes(deps, options), selfRoutes(deps, options), deviceRoutes(deps, options), onboardingRoutes(deps, options), tenantRoutes(deps, options), tenantCatalogRoutes(deps, options), accountRoutes(deps, options), auditRoutes(deps, options), firmwareRoutes(deps, options)]) {
    router.use(r.routes(), r.allowedMethods());
  }
  const routes = router.routes();
  let lastPrune = 0;

  return async (rawCtx, next) => {
    if (rawCtx.path.startsWith("/api/")) return next();
    const ctx = rawCtx as unknown as PortalContext;
    const asset = ASSETS[ctx.path];
    if (asset && (ctx.method === "GET" || ctx.method === "HEAD")) {
      ctx.type = asset.type;
      ctx.set("Cache-Control", "public, max-age=3600");
      ctx.body = asset.body;
      return;
    }
    ctx.set("X-Frame-Options", "DENY");
    ctx.set("X-Content-Type-Options", "nosniff");
    ctx.set("Referrer-Policy", "same-origin");
    // Scripts and styles come from phonehome itself only; no inline script anywhere.
    ctx.set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    ctx.set("Cache-Control", "no-store");
    ctx.state.scope = null;
    ctx.state.session = null;
    ctx.state.csrf = "";
    ctx.state.form = EMPTY_FORM;
    try {
      const now = deps.clock().getTime();
      if (now - lastPrune > 600_000) {
        lastPrune = now;
        // Not waited for: while another process holds the write lock, the page is served and the
        // prune waits for the lock (up to dbLockTimeoutMs), or is made next time.
        pruneSessions(deps, now, options.settings).catch((err: unknown) => {
          if (!(err instanceof DatabaseBusyError)) deps.logger.error({ err }, "pruning portal sessions failed");
        });
      }
      const session = await findSession(deps, ctx.cookies.get(SESSION_COOKIE), options.settings);
      const subject = session ? await loadSubject(deps, session.kind, session.subjectId) : null;
      if (session && subject && !subject.disabled) {
        ctx.state.session = session;
        ctx.state.csrf = session.csrfToken;
        if (session.stage === "full") ctx.state.scope = scopeOf(subject);
      }
      const isPublic = PUBLIC.some((re) => re.test(ctx.path));
      if (!ctx.state.scope && !isPublic) {
        if (ctx.method === "GET" || ctx.method === "HEAD") {
          const nextUrl = ctx.path === "/" ? "" : `?next=${encodeURIComponent(ctx.originalUrl)}`;
          ctx.redirect(`/login${nextUrl}`);
        } else {
          errorPage(ctx, 401, "Signed out", "Your session has ended. Sign in again, then repeat the change.");
        }
        return;
      }
      if (!ctx.state.csrf) {
        // Before sign-in the forms carry the sign-in cookie's token (double submit).
        let pre = ctx.cookies.get(LOGIN_COOKIE);
        if (!pre || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
          pre = randomBytes(32).toString("base64url");
          setCookie(ctx, options, LOGIN_COOKIE, pre);
        }
        ctx.state.csrf = pre;
      }
      if (ctx.method === "POST") {
        ctx.state.form = await readForm(ctx, { form: 1_048_576, upload: options.importLimitBytes });
        const sent = ctx.state.form.fields.get("_csrf") ?? ctx.get("x-csrf-token");
        if (!sent || sent !== ctx.state.csrf) {
          errorPage(ctx, 403, "Refused", "This form is out of date or did not come from this portal (CSRF token missing or wrong). Reload the page and try again.");
          return;
        }
      }
      const actor = ctx.state.scope ? audited(ctx.state.scope.subject) : `portal:${ctx.ip}`;
      await withActor(actor, () => routes(ctx as never, async () => {}));
      if (ctx.status === 404 && ctx.body === undefined) errorPage(ctx, 404, "Not found", `There is no page ${ctx.path.slice(0, 200)}.`);
      else if (ctx.status === 405 && ctx.body === undefined) errorPage(ctx, 405, "Not allowed", `${ctx.method} is not allowed here.`);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        const titles: Record<number, string> = { 403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Too large", 415: "Unsupported", 429: "Too many attempts" };
        errorPage(ctx, err.status, titles[err.status] ?? "Refused", err.message);
      } else {
        deps.logger.error({ err }, "portal request failed");
        errorPage(ctx, 500, "Something went wrong", "The server could not answer this page. The error was logged.");
      }
    }
  };
}
