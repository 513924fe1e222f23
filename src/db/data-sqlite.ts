import Database from "better-sqlite3";
import { Mutex } from "async-mutex";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import { setTimeout as sleep } from "node:timers/promises";
import { DatabaseBusyError, isBusy } from "./busy.ts";
import { openDb, type Db } from "./client.ts";
import { marked, refuseNested, type Data, type Query, type QueryDb, type Tables } from "./data.ts";
import * as schema from "./schema.ts";

/**
 * `Data` on SQLite (docs/scale-out.md#transactions). One writer connection, used by one
 * transaction at a time under an async FIFO lock, so that no other task's statement lands in an
 * open transaction and the event loop never waits on it; reads outside a transaction use a second,
 * read-only connection, which sees the last commit (WAL). An in-memory database has no file for a
 * second connection: there reads take the lock too.
 */
const TABLES = Object.fromEntries(Object.entries(schema).filter(([, v]) => is(v, SQLiteTable))) as unknown as Tables;

/** Waits between tries of BEGIN IMMEDIATE while another process holds the write lock. */
const FIRST_RETRY_MS = 10;
const LONGEST_RETRY_MS = 200;
const OPEN_BUSY_TIMEOUT_MS = 250;

export interface SqliteDataOptions {
  /** How long a write waits for another process's write lock before DatabaseBusyError (dbLockTimeoutMs). */
  readonly lockTimeoutMs: number;
  /** Apply the migrations on open (default true); false for a database the caller has just migrated. */
  readonly migrate?: boolean;
}

function queryOf(db: Db | ReturnType<typeof drizzle<typeof schema>>): Query {
  return { db: db as unknown as QueryDb, t: TABLES, dialect: "sqlite" };
}

/** Opens the file at `path` with its own writer and reader connections. */
export function openSqliteData(path: string, options: SqliteDataOptions): Data {
  // Opening (pragmas, migrations) may wait briefly for another process, as the server's own open does;
  // from then on the writer never waits in SQLite: beginImmediate retries on a timer.
  const writer = openDb(path, { busyTimeoutMs: Math.min(options.lockTimeoutMs, OPEN_BUSY_TIMEOUT_MS), ...(options.migrate === false ? { migrate: false } : {}) });
  writer.$client.pragma("busy_timeout = 0");
  if (writer.$client.memory) return sqliteData(writer, undefined, options, () => writer.$client.close());
  const reader = new Database(path, { readonly: true, fileMustExist: true, timeout: 100 });
  return sqliteData(writer, drizzle(reader, { schema }), options, () => {
    reader.close();
    writer.$client.close();
  });
}

/**
 * A handle on a connection that exists already, shared with its synchronous users: for an in-memory
 * database (tests), which no second connection can open. Reads and writes both take the lock.
 */
export function sqliteDataOn(db: Db, options: SqliteDataOptions): Data {
  return sqliteData(db, undefined, options, () => undefined);
}

/** The writer connection of each SQLite handle, for sqliteWriterOf. */
const writers = new WeakMap<Data, Database.Database>();

/**
 * The raw writer connection of a SQLite handle, or undefined on PostgreSQL: for SQLite-only code
 * that must act on the connection itself outside any transaction (ATTACH of the Kamailio file,
 * src/pbx/kamailio-db.ts), never for queries.
 */
export function sqliteWriterOf(data: Data): Database.Database | undefined {
  return writers.get(data);
}

function sqliteData(writer: Db, reader: ReturnType<typeof drizzle<typeof schema>> | undefined, options: SqliteDataOptions, closeAll: () => void): Data {
  const lock = new Mutex();
  const client = writer.$client;
  const writerQuery = queryOf(writer);
  const readerQuery = reader ? queryOf(reader) : undefined;
  const data: Data = {
    dialect: "sqlite",
    read(fn) {
      refuseNested(data, "read");
      return readerQuery ? marked(data, "read", () => fn(readerQuery)) : lock.runExclusive(() => marked(data, "read", () => fn(writerQuery)));
    },
    write(fn) {
      refuseNested(data, "write");
      return lock.runExclusive(async () => {
        await beginImmediate(client, options.lockTimeoutMs);
        try {
          const result = await marked(data, "write", () => fn(writerQuery));
          client.exec("COMMIT");
          return result;
        } catch (err) {
          if (client.inTransaction) client.exec("ROLLBACK");
          throw err;
        }
      });
    },
    async close() {
      // Waits for the transaction under way, so that close() never cuts one in half.
      await lock.runExclusive(closeAll);
    },
  };
  writers.set(data, client);
  return data;
}

/** BEGIN IMMEDIATE, tried again on a timer while another process holds the write lock, up to lockTimeoutMs. */
async function beginImmediate(client: Database.Database, lockTimeoutMs: number): Promise<void> {
  const started = Date.now();
  for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, LONGEST_RETRY_MS)) {
    try {
      client.exec("BEGIN IMMEDIATE");
      return;
    } catch (err) {
      const waited = Date.now() - started;
      if (!isBusy(err)) throw err;
      if (waited >= lockTimeoutMs) throw new DatabaseBusyError(waited);
      await sleep(Math.min(wait, lockTimeoutMs - waited));
    }
  }
}
