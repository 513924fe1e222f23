import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { fileURLToPath } from "node:url";
import * as schema from "./schema.ts";
import { DatabaseBusyError, isBusy } from "./busy.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

// The drizzle instance of each connection: a transaction object has no `$client`, but statements
// prepared on the root instance run on the same connection, inside the transaction.
const roots = new WeakMap<Database.Database, Db>();

/** The root drizzle instance behind `db`, which may be a transaction of it. */
export function rootDb(db: Db): Db {
  const handle = db as unknown as { $client?: Database.Database; session?: { client?: Database.Database } };
  const client = handle.$client ?? handle.session?.client;
  return (client && roots.get(client)) ?? db;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Opens the database and brings it to the latest migration. Pragmas are set on every open:
 * better-sqlite3 reopens a WAL database at synchronous=NORMAL unless told otherwise
 * (shared reference security.md §5.2), and a busy wait blocks the event loop, so keep it short.
 */
export function openDb(path: string, options: { busyTimeoutMs?: number; migrate?: boolean } = {}): Db {
  const sqlite = new Database(path, { timeout: options.busyTimeoutMs ?? 250 });
  if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  // A CLI process waits up to dbLockTimeoutMs; the server keeps it short (src/db/busy.ts).
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 250))}`);
  const db = drizzle(sqlite, { schema }) as Db;
  roots.set(sqlite, db);
  // A second connection to a database the server has just migrated (the CSV import's worker) skips it.
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return db;
}

/**
 * Runs `fn` in one BEGIN IMMEDIATE transaction. `fn` must be synchronous: drizzle lets an async
 * callback's writes escape the rollback (security.md §5.4), so a promise is refused outright.
 */
export function writeTransaction<T>(db: Db, fn: (tx: Db) => T): T {
  const started = Date.now();
  try {
    return immediate(db, fn);
  } catch (err) {
    // Another process held the write lock past busy_timeout: nothing ran; say so clearly.
    if (isBusy(err)) throw new DatabaseBusyError(Date.now() - started);
    throw err;
  }
}

function immediate<T>(db: Db, fn: (tx: Db) => T): T {
  return db.transaction(
    (tx) => {
      const result = fn(tx as unknown as Db);
      if (result instanceof Promise) throw new Error("writeTransaction callback must be synchronous");
      return result;
    },
    { behavior: "immediate" },
  );
}
