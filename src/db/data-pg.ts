import pg from "pg";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
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
const WRITE_ATTEMPTS = 12;
const FIRST_BACKOFF_MS = 5;
const LONGEST_BACKOFF_MS = 200;

/**
 * The session-level advisory lock that serializable writes queue on, across every node: one such
 * writer at a time, as on SQLite. Without it, concurrent writers abort each other: every write of a
 * render input bumps the one `config_generation` row, and SERIALIZABLE fails the second of two
 * writers of one row (40001) where it would wait at READ COMMITTED; `npm run bench:data` had 127
 * of 250 numbering-plan writes of 16 admins (each their own tenant) give up after their retries.
 * Taken before BEGIN, on the transaction's connection, so the transaction's snapshot is taken once
 * the previous writer has committed. Single-statement writes at READ COMMITTED (replay counts,
 * leases, the fetch log) do not take it.
 */
const WRITER_LOCK = "phonehome.writer";

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
  // A connection the server ends (restart, failover, a dropped database) must not crash the process.
  // Idle, the pool reports it here and replaces it. Checked out between two statements of a
  // transaction, the client itself emits the error, which nothing would hear: each client gets a
  // listener, and the transaction's next statement fails (and rolls back) on the dead connection.
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectFailed(url, err);
  }
  const db = drizzle(pool, { schema: pgSchema });
  // One drizzle instance per pooled connection, for the writes that run on a connection of their own.
  const onClient = new WeakMap<pg.PoolClient, NodePgDatabase<typeof pgSchema>>();
  /** A serializable transaction on one connection, after the writer lock (WRITER_LOCK) is ours. */
  async function serialTransaction<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("select pg_advisory_lock(hashtextextended($1, 0))", [WRITER_LOCK]);
      try {
        let tdb = onClient.get(client);
        if (!tdb) onClient.set(client, (tdb = drizzle(client, { schema: pgSchema })));
        return await tdb.transaction((tx) => fn(query(tx)), { isolationLevel: "serializable" });
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [WRITER_LOCK]).catch((err: Error) => (broken = err));
      }
    } finally {
      // A connection whose unlock failed may still hold the lock: it is closed, never reused. A
      // transaction that threw was rolled back and unlocked: its connection goes back to the pool.
      client.release(broken);
    }
  }
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
          return await marked(data, "write", () =>
            isolationLevel === "serializable" ? serialTransaction(fn) : db.transaction((tx) => fn(query(tx)), { isolationLevel }),
          );
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
