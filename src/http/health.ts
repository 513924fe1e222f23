import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Koa from "koa";
import { MIGRATIONS_DIR } from "../db/client.ts";
import { normalizeAddress } from "../domain/validation.ts";
import { inNetworks } from "../provisioning/network-rules.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { verifyToken } from "../services/tokens.ts";

/**
 * Liveness, readiness and metrics for load balancers and Prometheus, outside the admin API's
 * token check and the phones' file names: `GET /healthz` (the process answers), `GET /readyz`
 * (database reachable, migrations current, every listener bound; 503 otherwise), and on the admin
 * listener `GET /metrics` (a bearer token of any role, or a source in `metricsAllowedNetworks`).
 */

/** Listener name -> bound; a listener left out on purpose (TFTP without permission) is not listed. */
export type ListenerState = () => Readonly<Record<string, boolean>>;

const expectedMigrations = (): number =>
  (JSON.parse(readFileSync(join(MIGRATIONS_DIR, "meta", "_journal.json"), "utf8")) as { entries: unknown[] }).entries.length;

function readiness(deps: ProvisionDeps, listeners: ListenerState) {
  let database = false;
  let migrations = false;
  try {
    database = deps.db.$client.prepare("select 1 as ok").get() !== undefined;
    const applied = (deps.db.$client.prepare("select count(*) as n from __drizzle_migrations").get() as { n: number }).n;
    migrations = applied === expectedMigrations();
  } catch {
    // database stays false: closed, locked past the timeout, or unreadable.
  }
  const bound = listeners();
  const ready = database && migrations && Object.values(bound).every(Boolean);
  return { status: ready ? "ready" : "not ready", checks: { database, migrations, listeners: bound } };
}

export function healthMiddleware(deps: ProvisionDeps, listeners: ListenerState): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return next();
    if (ctx.path === "/healthz") {
      ctx.set("Cache-Control", "no-store");
      ctx.body = { status: "alive" };
      return;
    }
    if (ctx.path === "/readyz") {
      const r = readiness(deps, listeners);
      ctx.set("Cache-Control", "no-store");
      ctx.status = r.status === "ready" ? 200 : 503;
      ctx.body = r;
      return;
    }
    return next();
  };
}

export function metricsMiddleware(deps: ProvisionDeps, allowedNetworks: readonly string[]): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.path !== "/metrics" || (ctx.method !== "GET" && ctx.method !== "HEAD") || !deps.metrics) return next();
    const token = /^Bearer\s+(\S+)$/i.exec(ctx.get("authorization"))?.[1];
    const fromNetwork = inNetworks(normalizeAddress(ctx.socket.remoteAddress ?? ""), allowedNetworks);
    if (!fromNetwork && !(token && (await verifyToken(deps, token)))) {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", 'Bearer realm="phonehome"');
      ctx.body = { error: { code: "unauthorized", message: "GET /metrics needs a bearer token, or a source address in metricsAllowedNetworks" } };
      return;
    }
    deps.recorder.flush();
    ctx.set("Content-Type", deps.metrics.registry.contentType);
    ctx.body = await deps.metrics.registry.metrics();
  };
}
