import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { setTimeout as sleep } from "node:timers/promises";
import { isPostgresUrl, type Config } from "../config.ts";
import { invalidInput } from "../errors.ts";
import { marked, refuseNested, type Data, type Query, type QueryDb, type Tables, type WriteOptions } from "./data.ts";
import { connectFailed, redactedUrl } from "./pg-client.ts";
import * as pgSchema from "./pg-schema.ts";

/**
 * `Data` on PostgreSQL (docs/scale-out.md#transactions): a pool of databasePoolSize connections.
 * A write is one transaction on one pooled connection, serializable unless the caller names a
 * level, and run again from the start on a serialization failure or a deadlock.
 */
type PgSettings = Pick<Config, "databasePoolSize" | "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs">;

/** Tries in all of a transaction that PostgreSQL aborted as a serialization failure or deadlock. */
const WRITE_ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 5;
const LONGEST_BACKOFF_MS = 50;

/** SQLSTATE 40001 serialization_failure and 40P01 deadlock_detected: the transaction may simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** The SQLSTATE of a failed query; drizzle wraps the driver's error in its own (`cause`). */
function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export async function openPgData(url: string, settings: PgSettings): Promise<Data> {
  if (!isPostgresUrl(url)) throw invalidInput(`${redactedUrl(url)} is not a PostgreSQL URL: give postgres://user:password@host:5432/database (postgres:// or postgresql://)`);
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.databasePoolSize,
    connectionTimeoutMillis: settings.databaseConnectTimeoutMs,
    statement_timeout: settings.databaseStatementTimeoutMs,
    application_name: "phonehome",
  });
  // An idle connection the server ends (restart, failover) must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectFailed(url, err);
  }
  const db = drizzle(pool, { schema: pgSchema });
  const tables = pgSchema as unknown as Tables;
  const query = (handle: unknown): Query => ({ db: handle as QueryDb, t: tables, dialect: "postgres" });
  const poolQuery = query(db);
  const data: Data = {
    dialect: "postgres",
    read(fn) {
      refuseNested(data, "read");
      return marked(data, "read", () => fn(poolQuery));
    },
    async write(fn, options: WriteOptions = {}) {
      refuseNested(data, "write");
      const isolationLevel = options.isolation ?? "serializable";
      for (let attempt = 1, backoff = FIRST_BACKOFF_MS; ; attempt++, backoff = Math.min(backoff * 2, LONGEST_BACKOFF_MS)) {
        try {
          return await marked(data, "write", () => db.transaction((tx) => fn(query(tx)), { isolationLevel }));
        } catch (err) {
          const state = sqlState(err);
          if (attempt >= WRITE_ATTEMPTS || !state || !RETRYABLE.has(state)) throw err;
          await sleep(backoff / 2 + Math.random() * backoff);
        }
      }
    },
    async close() {
      await pool.end();
    },
  };
  return data;
}
