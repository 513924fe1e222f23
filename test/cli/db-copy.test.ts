import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getTableName, is } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgTable } from "drizzle-orm/pg-core";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import * as pgSchema from "../../src/db/pg-schema.ts";
import * as sqliteSchema from "../../src/db/schema.ts";
import { foreignKeyOrder, schemaTables } from "../../src/db/table-order.ts";
import { createToken } from "../../src/services/tokens.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { spawnPhonehome } from "../helpers/serve-process.ts";
import { tempConfig } from "../helpers/test-deps.ts";

const postgres = usePostgres();
const { config, cleanup } = tempConfig();
afterAll(cleanup);
const { run, withRuntime } = cliRunner(config);
const dbFile = join(config.dataDir, "phonehome.db");
const from = `sqlite:${config.dataDir}`;

/** Every exported table, SQLite and PostgreSQL side by side (pg-schema exports the same names). */
const PAIRS = Object.entries(sqliteSchema as Record<string, unknown>)
  .filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable))
  .map(([name, table]) => [table, (pgSchema as unknown as Record<string, PgTable>)[name]!] as const);

const sorted = (rows: unknown[]) => rows.map((r) => r as Record<string, unknown>).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Rows per table on the PostgreSQL side, and config_generation's value: a fingerprint of the database. */
const pgCounts = (url: string) =>
  withPg(url, async (c) => {
    const out: Record<string, string> = {};
    for (const [, t] of PAIRS) out[getTableName(t)] = (await c.query<{ n: string }>(`select count(*)::text as n from "${getTableName(t)}"`)).rows[0]!.n;
    out.gen = (await c.query<{ g: string }>("select coalesce(max(gen), -1)::text as g from config_generation")).rows[0]!.g;
    return out;
  });

const sqliteCounts = (): Record<string, number> => {
  const s = new Database(dbFile, { readonly: true });
  try {
    return Object.fromEntries(PAIRS.map(([t]) => [getTableName(t), (s.prepare(`select count(*) as n from "${getTableName(t)}"`).get() as { n: number }).n]));
  } finally {
    s.close();
  }
};

const fileHash = () => createHash("sha256").update(readFileSync(dbFile)).digest("hex");

beforeAll(async () => {
  // A site as the services build it: the demo tenant, extensions, phones, lines, keys, settings, a token.
  await withRuntime(async (rt) => {
    await loadDemo(rt);
    createToken(rt, "admin", "ops", []);
    createToken(rt, "pbx", "kamailio", ["demo.example"]);
  });
});

describe("phonehome db copy", () => {
  it("copies every table with the same values, ids and next ids, and leaves the SQLite file as it was", async () => {
    const url = await postgres.createDatabase();
    const before = fileHash();
    const counts = sqliteCounts();
    const r = await run(["db", "copy", "--from", from, "--to", url]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const [t] of PAIRS) expect(r.stdout).toContain(`\n${getTableName(t)}\t${counts[getTableName(t)]}\n`);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(r.stdout).toContain(`copied ${total} rows in ${PAIRS.length} tables to ${url}`);
    expect(fileHash()).toBe(before);

    const sqlite = new Database(dbFile, { readonly: true });
    const source = drizzleSqlite(sqlite);
    try {
      await withPg(url, async (c) => {
        const target = drizzlePg(c);
        for (const [s, t] of PAIRS) {
          const left = sorted(source.select().from(s).all());
          const right = sorted(await target.select().from(t));
          if (getTableName(t) === "config_generation") {
            // A change counter, not data: copied, then moved on by the copy's own writes (its triggers), never back.
            expect(right).toHaveLength(1);
            expect(right[0]!.gen as number).toBeGreaterThan(left[0]!.gen as number);
            continue;
          }
          expect({ table: getTableName(t), rows: right }).toEqual({ table: getTableName(t), rows: left });
        }
        // The mapped column types, as PostgreSQL holds them.
        const types = await c.query<{ column_name: string; data_type: string }>(
          "select column_name, data_type from information_schema.columns where table_name = 'tenants' and column_name in ('config_encryption', 'ntp_servers', 'created_at') order by column_name",
        );
        expect(types.rows).toEqual([
          { column_name: "config_encryption", data_type: "boolean" },
          { column_name: "created_at", data_type: "bigint" },
          { column_name: "ntp_servers", data_type: "jsonb" },
        ]);
        // Each identity continues after the copied ids.
        for (const table of ["tenants", "devices", "extensions", "api_tokens", "audit_log"]) {
          const max = Number((await c.query<{ m: string }>(`select max(id)::text as m from "${table}"`)).rows[0]!.m);
          const next = Number((await c.query<{ n: string }>(`select nextval(pg_get_serial_sequence('"${table}"', 'id'))::text as n`)).rows[0]!.n);
          expect({ table, next }).toEqual({ table, next: max + 1 });
        }
      });
    } finally {
      sqlite.close();
    }
    // The site is not trivially small: the demo fills the main tables.
    for (const table of ["tenants", "extensions", "devices", "device_lines", "device_keys", "feature_codes", "api_tokens", "audit_log"]) {
      expect({ table, some: counts[table]! > 0 }).toEqual({ table, some: true });
    }
  });

  it("refuses a second copy into the database it filled, and changes nothing there", async () => {
    const url = await postgres.createDatabase();
    expect((await run(["db", "copy", "--from", from, "--to", url])).code).toBe(0);
    const before = await pgCounts(url);
    const r = await run(["db", "copy", "--from", from, "--to", url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds rows \(.*devices \(\d+\).*\); db copy only fills an empty database and changed nothing\. Copy into a new database/);
    expect(await pgCounts(url)).toEqual(before);
  });

  it("a copy that fails half way (a table the target refuses) leaves the target empty", async () => {
    const url = await postgres.createDatabase();
    expect((await run(["db", "migrate", "--database-url", url])).code).toBe(0);
    const empty = await pgCounts(url);
    const counts = sqliteCounts();
    // The last table (in copy order) that has rows: everything before it has been written when it fails.
    const late = foreignKeyOrder(schemaTables(sqliteSchema)).map(getTableName).filter((t) => counts[t]! > 0).at(-1)!;
    await withPg(url, (c) =>
      c.query(`create function refuse_row() returns trigger language plpgsql as $$ begin raise exception 'conflicting row'; end $$;
               create trigger refuse_row before insert on "${late}" for each row execute function refuse_row()`),
    );
    const r = await run(["db", "copy", "--from", from, "--to", url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`copying table ${late} failed (conflicting row); the copy was rolled back and the target holds none of it`);
    expect(await pgCounts(url)).toEqual(empty);
  });

  it("a copy killed with kill -9 half way leaves the target empty", async () => {
    const url = await postgres.createDatabase();
    expect((await run(["db", "migrate", "--database-url", url])).code).toBe(0);
    const empty = await pgCounts(url);
    const counts = sqliteCounts();
    const late = foreignKeyOrder(schemaTables(sqliteSchema)).map(getTableName).filter((t) => counts[t]! > 0).at(-1)!;
    const blocker = new pg.Client({ connectionString: url });
    const watcher = new pg.Client({ connectionString: url });
    await blocker.connect();
    await watcher.connect();
    try {
      // SHARE mode lets the copy read the table (its emptiness check) but holds its INSERT, after the earlier tables are written.
      await blocker.query(`begin; lock table "${late}" in share mode`);
      const copy = spawnPhonehome(["db", "copy", "--from", from, "--to", url]);
      let waiting: { pid: number; xid: string | null } | undefined;
      for (let i = 0; i < 600 && !waiting; i++) {
        await new Promise((r) => setTimeout(r, 50));
        // Asked on another session: inside the blocker's transaction pg_stat_activity stays as first read.
        const rows = await watcher.query<{ pid: number; xid: string | null }>(
          "select pid, backend_xid::text as xid from pg_stat_activity where application_name = 'phonehome' and wait_event_type = 'Lock'",
        );
        waiting = rows.rows[0];
      }
      expect(waiting?.xid, JSON.stringify(copy.output())).toBeTruthy(); // it has written rows in its transaction
      // ... which nobody else sees: one transaction.
      expect((await watcher.query<{ n: number }>("select count(*)::int as n from tenants")).rows[0]!.n).toBe(0);
      copy.child.kill("SIGKILL");
      await copy.exited;
      await blocker.query("commit");
      for (let i = 0; i < 200; i++) {
        const left = await watcher.query("select 1 from pg_stat_activity where pid = $1", [waiting!.pid]);
        if (left.rowCount === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await blocker.end();
      await watcher.end();
    }
    expect(await pgCounts(url)).toEqual(empty);
  });

  it("refuses a database holding tables phonehome did not create, and creates nothing there", async () => {
    const url = await postgres.createDatabase();
    await withPg(url, (c) => c.query("create table inventory (id int primary key)"));
    const r = await run(["db", "copy", "--from", from, "--to", url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("already holds 1 table(s) that phonehome did not create: copy into a new, empty database");
    const tables = await withPg(url, (c) => c.query("select table_schema || '.' || table_name as t from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')"));
    expect(tables.rows).toEqual([{ t: "public.inventory" }]);
  });

  it.each([
    [["--from", "./data"], /--from must be sqlite:<data directory>, e\.g\. sqlite:\.\/data .*not "\.\/data"/],
    [["--from", "sqlite:/nonexistent/phonehome-data"], /no phonehome database at \/nonexistent\/phonehome-data\/phonehome\.db/],
    [["--to", "mysql://127.0.0.1/phonehome"], /--to must be a PostgreSQL URL .*not "mysql:\/\/127\.0\.0\.1\/phonehome"/],
    [["--to", "postgres://phonehome:pw@127.0.0.1:1/phonehome"], /cannot connect to PostgreSQL at postgres:\/\/phonehome:\*\*\*@127\.0\.0\.1:1\/phonehome \(ECONNREFUSED/],
  ])("bad arguments %j: a clear error, exit 2", async (args, message) => {
    const base: Record<string, string> = { "--from": from, "--to": "postgres://phonehome@127.0.0.1:1/phonehome" };
    for (let i = 0; i < args.length; i += 2) base[args[i]!] = args[i + 1]!;
    const r = await run(["db", "copy", ...Object.entries(base).flat()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
