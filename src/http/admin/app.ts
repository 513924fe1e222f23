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
import { firmwareRoutes } from "./firmware.ts";
import type { AdminState, Role } from "./roles.ts";
import { tenantRoutes } from "./tenants.ts";
import { registrationRoutes } from "./registrations.ts";
import { DEFAULT_SIP_SETTINGS, type SipSettings } from "../../registrations/sip-settings.ts";
import { extensionSettingsRoutes } from "./extension-settings.ts";
import { tenantCatalogRoutes } from "./tenant-catalog.ts";
import { openApiRoutes } from "./openapi.ts";
import { requireJsonBody } from "./request-shape.ts";
import { strictQuery } from "./query.ts";

function toErrorBody(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof AppError) return { status: err.status, code: err.code, message: err.message };
  if (err instanceof ZodError) return { status: 400, code: "invalid_input", message: describeIssues(err) };
  const e = err as { status?: number; type?: string; message?: string };
  if (e.status === 413 || e.type === "entity.too.large") return { ...payloadTooLarge("the request body is larger than the limit"), status: 413, code: "payload_too_large" };
  if (e.status === 415) return { status: 415, code: "unsupported_media_type", message: "send the body as application/json" };
  if (e.status === 400 || e.type === "entity.parse.failed") return { status: 400, code: "invalid_json", message: "the request body is not valid JSON" };
  return { status: 500, code: "internal", message: "internal error" };
}

export interface AdminAppOptions {
  readonly bodyLimitBytes: number;
  readonly importLimitBytes?: number;
  readonly sip?: SipSettings;
  readonly firmwareMaxBytes?: number;
}

/** Every router of the admin API; the OpenAPI test walks these (test/http/openapi.test.ts). */
export function adminRouters(deps: ProvisionDeps, options: Partial<AdminAppOptions> = {}): Router<AdminState>[] {
  return [
    tenantRoutes(deps),
    deviceRoutes(deps),
    discoveryRoutes(deps),
    onboardingRoutes(deps, { importLimitBytes: options.importLimitBytes ?? 64 * 1024 * 1024 }),
    extensionImportRoutes(deps, { importLimitBytes: options.importLimitBytes ?? 64 * 1024 * 1024 }),
    registrationRoutes(deps, options.sip ?? DEFAULT_SIP_SETTINGS),
    auditRoutes(deps),
    configKeyRoutes(deps),
    bootstrapRoutes(deps),
    extensionSettingsRoutes(deps),
    tenantCatalogRoutes(deps),
    firmwareRoutes(deps, { maxBytes: options.firmwareMaxBytes ?? 512 * 1024 * 1024 }),
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
      if (body.status >= 500) deps.logger.error({ err }, "admin request failed");
      ctx.status = body.status;
      ctx.body = { error: { code: body.code, message: body.message } };
    }
    deps.logger.info({ method: ctx.method, path: ctx.path.slice(0, 200), status: ctx.status, role: ctx.state.role }, "admin request");
  });
  app.use(async (ctx, next) => {
    const header = ctx.get("authorization");
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const row = match ? verifyToken(deps, match[1]!) : null;
    if (!row) {
      ctx.set("WWW-Authenticate", 'Bearer realm="phonehome"');
      throw unauthorized();
    }
    ctx.state.role = row.role as Role;
    ctx.state.tokenName = row.name;
    if (!["GET", "HEAD"].includes(ctx.method) && row.role === "readonly") throw forbidden("a readonly token cannot change anything");
    // A registrar token (a PBX) may report registrations and nothing else.
    if (row.role === "registrar" && !(ctx.method === "POST" && ctx.path === "/api/v1/registrations/events")) {
      throw forbidden("a registrar token may only call POST /api/v1/registrations/events");
    }
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
  app.use(api.routes());
  app.use(api.allowedMethods());
  return app;
}
