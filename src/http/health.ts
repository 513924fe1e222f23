import { count, sql } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type Koa from "koa";
// eslint-disable-next-line no-restricted-imports -- the SQLite migrations folder (a path), not the synchronous handle
import { MIGRATIONS_DIR } from "../db/client.ts";
import { dialectSql, first, type Data, type Query } from "../db/data.ts";
import { journal, PG_MIGRATIONS_DIR } from "../db/migrations.ts";
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

/** `select 1`: drizzle runs a raw query as `all` on SQLite and as `execute` on PostgreSQL. */
async function selectOne(q: Query): Promise<void> {
  const one = sql`select 1`;
  if (q.dialect === "postgres") await (q.db as unknown as NodePgDatabase).execute(one);
  else await q.db.all(one);
}

/**
 * Migrations applied to the database against those this code carries: drizzle's table and the
 * journal of each dialect (`drizzle/` and `__drizzle_migrations` on SQLite, `drizzle-pg/` and
 * `drizzle.__drizzle_migrations` on PostgreSQL).
 */
async function migrationsCurrent(q: Query): Promise<boolean> {
  const table = dialectSql(q, { sqlite: sql`__drizzle_migrations`, postgres: sql`drizzle.__drizzle_migrations` });
  const applied = first(await q.db.select({ n: count() }).from(table))?.n ?? 0;
  return applied === journal(q.dialect === "postgres" ? PG_MIGRATIONS_DIR : MIGRATIONS_DIR).length;
}

/** The database half of /readyz: it answers a statement, and its migrations are the code's. */
export async function databaseReadiness(data: Data): Promise<{ database: boolean; migrations: boolean }> {
  let database = false;
  let migrations = false;
  try {
    await data.read(async (q) => {
      await selectOne(q);
      database = true;
      migrations = await migrationsCurrent(q);
    });
  } catch {
    // database stays false when closed, locked past the timeout or unreadable; migrations stays false without drizzle's table.
  }
  return { database, migrations };
}

async function readiness(deps: ProvisionDeps, listeners: ListenerState) {
  const { database, migrations } = await databaseReadiness(deps.data);
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
      const r = await readiness(deps, listeners);
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
