import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import Koa from "koa";
import { ZodError } from "zod";
import { AppError, forbidden, payloadTooLarge, unauthorized } from "../../errors.ts";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import { describeIssues } from "../../services/schemas.ts";
import { verifyToken } from "../../services/tokens.ts";
import { withActor } from "../../services/actor.ts";
import { auditRoutes } from "./audit.ts";
import { configKeyRoutes } from "./config-keys.ts";
import { bootstrapRoutes } from "./bootstrap.ts";
import { deviceRoutes } from "./devices.ts";
import { discoveryRoutes } from "./discovery.ts";
import { onboardingRoutes } from "./onboarding.ts";
import { extensionImportRoutes } from "./extension-imports.ts";
import type { ImportRunner } from "../../onboarding/off-thread.ts";
import { firmwareRoutes } from "./firmware.ts";
import { roleRefusal, type AdminState, type Role } from "./roles.ts";
import { tenantRoutes } from "./tenants.ts";
import { registrationRoutes } from "./registrations.ts";
import { DEFAULT_SIP_SETTINGS, type SipSettings } from "../../registrations/sip-settings.ts";
import { extensionSettingsRoutes } from "./extension-settings.ts";
import { tenantCatalogRoutes } from "./tenant-catalog.ts";
import { openApiRoutes } from "./openapi.ts";
import { healthMiddleware, metricsMiddleware, type ListenerState } from "../health.ts";
import { pbxRoutes } from "./pbx.ts";
import { hotDeskRoutes } from "./hot-desk.ts";
import { DEFAULT_PIN_LIMITS, type PinLimits } from "../../hot-desk/pin-guard.ts";
import { portalMiddleware } from "../../portal/app.ts";
import type { PortalOptions } from "../../portal/settings.ts";
import { requireJsonBody } from "./request-shape.ts";
import { strictQuery } from "./query.ts";
import { retryWhileBusy } from "./busy-retry.ts";
import { BUSY_RETRY_AFTER_SECONDS, DatabaseBusyError, isBusy } from "../../db/busy.ts";

function toErrorBody(err: unknown): { status: number; code: string; message: string } {
  if (isBusy(err)) return toErrorBody(new DatabaseBusyError(0));
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof ZodError) return { status: 400, code: "invalid_input", message: describeIssues(err) };
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status === 413 || e.type === "entity.too.large") return { ...payloadTooLarge("the request body is larger than the limit"), status: 413, code: "payload_too_large" };
  if (e.status === 415) return { status: 415, code: "unsupported_media_type", message: "send the body as application/json" };
  if (e.status === 400 || e.type === "entity.parse.failed") return { status: 400, code: "invalid_json", message: "the request body is not valid JSON" };
  return { status: 500, code: "internal", message: "internal error" };
}

/**
 * The token of an Authorization header: `Bearer <token>`, or HTTP Basic with the token as the
 * password (FreeSWITCH mod_xml_curl sends only Basic credentials, docs/pbx.md).
 */
function tokenOf(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

export interface AdminAppOptions {
  readonly bodyLimitBytes: number;
  readonly importLimitBytes?: number;
  readonly sip?: SipSettings;
  readonly firmwareMaxBytes?: number;
  /** Listener states for GET /readyz; GET /metrics without a token from these CIDRs (src/http/health.ts). */
  readonly listeners?: ListenerState;
  readonly metricsAllowedNetworks?: readonly string[];
  /** The portal at `/` (src/portal); without it the listener serves the API only. */
  readonly portal?: PortalOptions;
  /** How long a request waits for another process's write lock before 503 (config dbLockTimeoutMs). */
  readonly dbLockTimeoutMs?: number;
  /** Wrong hot-desk PIN limits (config `hotDeskPin*`). */
  readonly hotDeskPins?: PinLimits;
  /** Most rows of one CSV import (config importMaxRows). */
  readonly importMaxRows?: number;
  /** Runs CSV imports in a worker thread (src/onboarding/off-thread.ts), shared with the portal. */
  readonly imports?: ImportRunner;
}

/** Every router of the admin API; the OpenAPI test walks these (test/http/openapi.test.ts). */
export function adminRouters(deps: ProvisionDeps, options: Partial<AdminAppOptions> = {}): Router<AdminState>[] {
  const imports = {
    importLimitBytes: options.importLimitBytes ?? 64 * 1024 * 1024,
    ...(options.importMaxRows !== undefined ? { importMaxRows: options.importMaxRows } : {}),
    ...(options.imports ? { imports: options.imports } : {}),
  };
  return [
    tenantRoutes(deps),
    deviceRoutes(deps),
    discoveryRoutes(deps),
    onboardingRoutes(deps, imports),
    extensionImportRoutes(deps, imports),
    registrationRoutes(deps, options.sip ?? DEFAULT_SIP_SETTINGS),
    auditRoutes(deps),
    configKeyRoutes(deps),
    bootstrapRoutes(deps),
    extensionSettingsRoutes(deps),
    tenantCatalogRoutes(deps),
    firmwareRoutes(deps, { maxBytes: options.firmwareMaxBytes ?? 512 * 1024 * 1024 }),
    pbxRoutes(deps),
    hotDeskRoutes(deps, options.sip ?? DEFAULT_SIP_SETTINGS, options.hotDeskPins ?? DEFAULT_PIN_LIMITS),
    openApiRoutes(),
  ];
}

/**
 * The admin API under /api/v1, on its own listener. Middleware order: error handler, access log,
 * bearer-token authentication, body parser, routers.
 */
export function createAdminApp(
  deps: ProvisionDeps,
  options: AdminAppOptions,
): Koa<AdminState> {
  const app = new Koa<AdminState>({ proxy: false });
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: "not_found", message: `no route ${ctx.method} ${ctx.path.slice(0, 200)}` } };
      } else if (ctx.status === 405 && ctx.body === undefined) {
        ctx.body = { error: { code: "method_not_allowed", message: `${ctx.method} is not allowed on ${ctx.path.slice(0, 200)}` } };
      }
    } catch (err) {
      const body = toErrorBody(err);
      if (body.code === "database_busy") {
        ctx.set("Retry-After", String(BUSY_RETRY_AFTER_SECONDS));
        deps.logger.warn({ method: ctx.method, path: ctx.path.slice(0, 200) }, "admin request refused: database locked by another writer");
      } else if (body.status >= 500) deps.logger.error({ err }, "admin request failed");
      ctx.status = body.status;
      ctx.body = { error: { code: body.code, message: body.message } };
    }
    deps.logger.info({ method: ctx.method, path: ctx.path.slice(0, 200), status: ctx.status, role: ctx.state.role }, "admin request");
  });
  // Health and metrics answer before the API's token check (their own rules: src/http/health.ts).
  app.use(healthMiddleware(deps, options.listeners ?? (() => ({}))));
  app.use(metricsMiddleware(deps, options.metricsAllowedNetworks ?? []));
  if (options.portal) app.use(portalMiddleware(deps, options.portal));
  app.use(async (ctx, next) => {
    const header = ctx.get("authorization");
    const row = tokenOf(header) ? await verifyToken(deps, tokenOf(header)!) : null;
    if (!row) {
      ctx.set("WWW-Authenticate", 'Bearer realm="phonehome"');
      throw unauthorized();
    }
    ctx.state.role = row.role as Role;
    ctx.state.tokenName = row.name;
    ctx.state.tenants = row.tenantScope ?? null;
    // What each role may call is defined once, in roles.ts.
    const refused = roleRefusal(ctx.state.role, ctx.method, ctx.path);
    if (refused) throw forbidden(refused);
    // Admin changes are audited with the token's name as the actor (services/actor.ts).
    await withActor(`token:${row.name}`, next);
  });
  app.use(strictQuery);
  app.use(requireJsonBody);
  app.use(
    bodyParser({
      enableTypes: ["json"],
      jsonLimit: options.bodyLimitBytes,
      encoding: "utf-8",
      onError: (err) => {
        throw err;
      },
    }),
  );
  const api = new Router<AdminState>({ prefix: "/api/v1" });
  for (const r of adminRouters(deps, options)) {
    api.use(r.routes(), r.allowedMethods());
  }
  const routes = api.routes();
  const allowed = api.allowedMethods();
  // Another process's write lock (a CLI import): wait asynchronously, then 503 (src/db/busy.ts).
  app.use(retryWhileBusy((ctx, next) => routes(ctx as never, () => allowed(ctx as never, next)), options.dbLockTimeoutMs ?? 5000));
  return app;
}
