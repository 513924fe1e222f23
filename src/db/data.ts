import { AsyncLocalStorage } from "node:async_hooks";
import type { SQL } from "drizzle-orm";
import type { BaseSQLiteDatabase, SQLiteTable } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.ts";

/**
 * The one database handle of converted code, the same on SQLite and PostgreSQL
 * (docs/scale-out.md#data-access-on-two-databases). `read` runs outside a transaction and sees
 * committed rows only; `write` runs its callback as one all-or-nothing transaction.
 */
export interface Data {
  readonly dialect: Dialect;
  read<T>(fn: (q: Query) => Promise<T>): Promise<T>;
  write<T>(fn: (q: Query) => Promise<T>, options?: WriteOptions): Promise<T>;
  close(): Promise<void>;
}

export type Dialect = "sqlite" | "postgres";

/**
 * What a query is written against. `db` is typed as drizzle's asynchronous SQLite database and `t`
 * as schema.ts's tables; on PostgreSQL they are node-postgres's instance and pg-schema.ts's tables,
 * which carry the same row types. Only `await` a query: `.get()`, `.all()`, `.run()` exist on SQLite only.
 */
export interface Query {
  readonly db: QueryDb;
  readonly t: Tables;
  readonly dialect: Dialect;
}

export type QueryDb = BaseSQLiteDatabase<"async", unknown, typeof schema>;

type Schema = typeof schema;
export type Tables = { readonly [K in keyof Schema as Schema[K] extends SQLiteTable ? K : never]: Schema[K] };

export interface WriteOptions {
  /**
   * PostgreSQL's isolation level for this transaction; serializable unless named. SQLite has one
   * writer at a time, which is serializable whatever is asked.
   */
  readonly isolation?: "serializable" | "repeatable read" | "read committed";
}

/** The first row of a result, or undefined: the `.get()` of converted code (`first(await q.db.select()...limit(1))`). */
export function first<T>(rows: readonly T[]): T | undefined {
  return rows[0];
}

/**
 * Queries built and prepared once per connection of a handle, for reads that run on every render
 * (the resolver): building a drizzle query and preparing its statement cost more than the render
 * itself (CPU profile of `bench:resolve`). `build` gets the call's `q` and returns prepared
 * queries (`query.prepare()`, values as `sql.placeholder`), run with `await p.execute(values)` on
 * both databases. Kept per `q.db`: a handle's reader (and PostgreSQL's pool) is one object for its
 * life, so the statements are prepared once; a write transaction's `q.db` is its own, so there
 * they are prepared for that transaction, on its connection, and go with it.
 */
export function preparedPerQuery<T>(build: (q: Query) => T): (q: Query) => T {
  const cache = new WeakMap<object, T>();
  return (q) => {
    let prepared = cache.get(q.db);
    if (prepared === undefined) {
      prepared = build(q);
      cache.set(q.db, prepared);
    }
    return prepared;
  };
}

/** A fragment with a SQLite function and its PostgreSQL form, chosen for the query's database. */
export function dialectSql(q: Pick<Query, "dialect">, forms: { readonly sqlite: SQL; readonly postgres: SQL }): SQL {
  return forms[q.dialect];
}

/**
 * The read or write a task is in, so that a nested call is refused instead of waiting for itself (a
 * write, or a read of an in-memory SQLite database, holds the one connection's lock). Refused on
 * every database alike, so that code that passes its tests on one runs on the other.
 */
const openCalls = new AsyncLocalStorage<{ readonly data: Data; readonly kind: "read" | "write"; open: boolean }>();

export function refuseNested(data: Data, what: "read" | "write"): void {
  const inside = openCalls.getStore();
  if (inside?.open && inside.data === data) {
    throw new Error(`nested call: data.${what}() was called inside data.${inside.kind}(); use the query handle (q) of the call you are in instead`);
  }
}

/** Runs `fn` marked as inside `data`'s read or write (for refuseNested), unmarked once it has settled. */
export async function marked<T>(data: Data, kind: "read" | "write", fn: () => Promise<T>): Promise<T> {
  const mark = { data, kind, open: true };
  try {
    return await openCalls.run(mark, fn);
  } finally {
    mark.open = false;
  }
}
