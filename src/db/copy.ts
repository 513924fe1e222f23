import Database from "better-sqlite3";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { getTableColumns, getTableName, is, sql } from "drizzle-orm";
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type pg from "pg";
import type { Config } from "../config.ts";
import { DB_FILE } from "../data-dir.ts";
import { AppError, conflict, invalidInput } from "../errors.ts";
import { MIGRATIONS_DIR } from "./client.ts";
import { journal, migratePostgres } from "./migrations.ts";
import { connectPg, redactedUrl } from "./pg-client.ts";
import { foreignKeyOrder, schemaTables } from "./table-order.ts";

/**
 * `db copy`: an existing SQLite site into an empty PostgreSQL database. Rows are read through the
 * SQLite schema and written through the PostgreSQL one, so each column's type mapping (booleans,
 * JSON, bigint timestamps) is drizzle's, the same as the running code uses. Everything is written in
 * ONE PostgreSQL transaction: a failure or a killed process leaves the target as it was.
 */
export interface TableCount {
  readonly table: string;
  readonly rows: number;
}

/**
 * Tables a migration fills itself (config_generation, one row): replaced by the source row, not
 * refused. That row counts changes; the triggers of the copied tables move it on from there.
 */
const SEEDED_BY_MIGRATIONS = new Set(["config_generation"]);

/** Rows per INSERT, within PostgreSQL's 65535 bind parameters per statement. */
const batchSize = (columns: number): number => Math.max(1, Math.min(1000, Math.floor(30_000 / columns)));

/** `sqlite:./data` -> the data directory's database file (which must exist). */
function sqliteSource(from: string): string {
  if (!from.startsWith("sqlite:") || from.length === "sqlite:".length) {
    throw invalidInput(`--from must be sqlite:<data directory>, e.g. sqlite:./data (the folder holding ${DB_FILE}), not "${from}"`);
  }
  const dir = resolve(from.slice("sqlite:".length));
  const file = existsSync(dir) && statSync(dir).isFile() ? dir : join(dir, DB_FILE);
  if (!existsSync(file)) throw invalidInput(`no phonehome database at ${file}: --from sqlite:DIR names the data directory that holds ${DB_FILE}`);
  return file;
}

function openSource(file: string): Database.Database {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
    sqlite.prepare("select count(*) from sqlite_master").get();
  } catch (err) {
    throw invalidInput(`${file} cannot be read as a SQLite database: ${(err as Error).message}`);
  }
  const expected = journal(MIGRATIONS_DIR).at(-1)!.when;
  const hasTable = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  const last = hasTable ? Number((sqlite.prepare("select max(created_at) as m from __drizzle_migrations").get() as { m: number | null }).m ?? 0) : 0;
  if (last !== expected) {
    sqlite.close();
    throw invalidInput(
      last < expected
        ? `${file} is not at this version's schema: run \`phonehome db migrate --data-dir ${join(file, "..")}\` (the server stopped), then copy again`
        : `${file} was migrated by a newer phonehome than this one: copy it with that version`,
    );
  }
  return sqlite;
}

/** Refuses a database holding tables that are not phonehome's: `db copy` never migrates into someone else's schema. */
async function refuseForeignSchema(client: pg.Client, url: string): Promise<void> {
  const r = await client.query<{ ours: string | null; tables: string }>(
    "select to_regclass('drizzle.__drizzle_migrations')::text as ours, (select count(*) from information_schema.tables where table_schema = 'public')::text as tables",
  );
  const row = r.rows[0]!;
  if (!row.ours && Number(row.tables) > 0) {
    throw conflict(`${redactedUrl(url)} already holds ${row.tables} table(s) that phonehome did not create: copy into a new, empty database (CREATE DATABASE phonehome)`);
  }
}

async function refuseRows(client: pg.Client, tables: readonly string[], url: string): Promise<void> {
  const held: string[] = [];
  for (const t of tables) {
    if (SEEDED_BY_MIGRATIONS.has(t)) continue;
    const r = await client.query<{ n: string }>(`select count(*)::text as n from "${t}"`);
    if (Number(r.rows[0]!.n) > 0) held.push(`${t} (${r.rows[0]!.n})`);
  }
  if (held.length) {
    throw conflict(
      `${redactedUrl(url)} already holds rows (${held.join(", ")}); db copy only fills an empty database and changed nothing. ` +
        "Copy into a new database (CREATE DATABASE ...), or drop and re-create this one, then run the command again",
    );
  }
}

/** Pairs each SQLite table with the PostgreSQL table of the same export name; parents first, seeded tables at the front. */
function pairTables(sqliteSchema: Record<string, unknown>, pgSchema: Record<string, unknown>): [SQLiteTable, PgTable][] {
  const pgByName = new Map(Object.values(pgSchema).filter((v): v is PgTable => is(v, PgTable)).map((t) => [getTableName(t), t]));
  const ordered = foreignKeyOrder(schemaTables(sqliteSchema));
  const seeded = ordered.filter((t) => SEEDED_BY_MIGRATIONS.has(getTableName(t)));
  return [...seeded, ...ordered.filter((t) => !seeded.includes(t))].map((t) => {
    const target = pgByName.get(getTableName(t));
    if (!target) throw new Error(`table ${getTableName(t)} has no PostgreSQL counterpart in src/db/pg-schema.ts`);
    return [t, target];
  });
}

async function copyTable(source: BetterSQLite3Database, target: NodePgDatabase, from: SQLiteTable, to: PgTable): Promise<number> {
  const columns = getTableColumns(from);
  const size = batchSize(Object.keys(columns).length);
  let last = 0;
  let copied = 0;
  for (;;) {
    // Paged by rowid, so a large fetch_log is never held whole in memory.
    const page = source
      .select({ ...columns, copyRowid: sql<number>`rowid` })
      .from(from)
      .where(sql`rowid > ${last}`)
      .orderBy(sql`rowid`)
      .limit(size)
      .all() as Record<string, unknown>[];
    if (page.length === 0) return copied;
    last = page.at(-1)!.copyRowid as number;
    const rows = page.map(({ copyRowid: _, ...row }) => row);
    await target.insert(to).values(rows as never);
    copied += rows.length;
  }
}

/** Every serial or identity column's sequence set so that the next id is max(id) + 1. */
async function resetSequences(client: pg.Client, tables: readonly PgTable[]): Promise<void> {
  for (const t of tables) {
    const name = getTableName(t);
    for (const col of getTableConfig(t).columns) {
      const r = await client.query<{ seq: string | null }>("select pg_get_serial_sequence($1, $2) as seq", [`"${name}"`, col.name]);
      const seq = r.rows[0]?.seq;
      if (seq) await client.query(`select setval($1::regclass, coalesce((select max("${col.name}") from "${name}"), 0) + 1, false)`, [seq]);
    }
  }
}

function failed(table: string, err: unknown): never {
  const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
  throw new AppError(409, "copy_failed", `copying table ${table} failed (${cause}); the copy was rolled back and the target holds none of it`);
}

export async function copySqliteToPostgres(
  from: string,
  url: string,
  config: Config,
  schemas: { sqlite: Record<string, unknown>; pg: Record<string, unknown> },
): Promise<{ applied: string[]; counts: TableCount[] }> {
  const file = sqliteSource(from);
  const pairs = pairTables(schemas.sqlite, schemas.pg);
  const sqlite = openSource(file);
  try {
    const client = await connectPg(url, config);
    try {
      await refuseForeignSchema(client, url);
      const applied = await migratePostgres(url, config);
      const counts: TableCount[] = [];
      // One read transaction: every table is read from the same snapshot.
      sqlite.exec("BEGIN");
      await client.query("BEGIN");
      try {
        // Two copies at once into one database: the second waits, then finds rows and is refused.
        await client.query("select pg_advisory_xact_lock(hashtextextended('phonehome.copy', 0))");
        await refuseRows(client, pairs.map(([, t]) => getTableName(t)), url);
        const source = drizzleSqlite(sqlite);
        const target = drizzlePg(client);
        for (const [s, t] of pairs) {
          if (SEEDED_BY_MIGRATIONS.has(getTableName(t))) await client.query(`delete from "${getTableName(t)}"`);
          counts.push({ table: getTableName(s), rows: await copyTable(source, target, s, t).catch((err: unknown) => failed(getTableName(s), err)) });
        }
        await resetSequences(client, pairs.map(([, t]) => t));
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        sqlite.exec("COMMIT");
      }
      return { applied, counts };
    } finally {
      await client.end();
    }
  } finally {
    sqlite.close();
  }
}
