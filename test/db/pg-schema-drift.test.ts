import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { is, sql } from "drizzle-orm";
import { getTableConfig as getPgTableConfig, PgTable, type PgColumn } from "drizzle-orm/pg-core";
import { blob, check, getTableConfig as getSqliteTableConfig, index, integer, real, SQLiteTable, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { MIGRATIONS_DIR, openDb, type Db } from "../../src/db/client.ts";
import { PG_MIGRATIONS_DIR, migratePostgres } from "../../src/db/migrations.ts";
import { derivePgTables } from "../../src/db/pg-derive.ts";
import * as pgSchema from "../../src/db/pg-schema.ts";
import * as sqliteSchema from "../../src/db/schema.ts";
import { DEVICE_SEEN_COLUMNS, RENDER_INPUT_TABLES } from "../../src/provisioning/render-cache.ts";
import { compareShapes, pgShape, sqliteShape, type DbShape, type TableShape } from "../helpers/db-shape.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Issue 17 item 1: one description of the schema (src/db/schema.ts), two databases. The derived
 * PostgreSQL tables agree with their migrations (as the SQLite tables with theirs), and the two
 * databases, each built by its real migrations, have the same tables, columns, keys, indexes,
 * checks and render-cache triggers.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DRIZZLE_KIT = join(ROOT, "node_modules", ".bin", "drizzle-kit");
const postgres = usePostgres();
const config = loadConfig({}, {});

/**
 * drizzle-kit generate with the project's config file, its `out` pointed at a copy of the migrations
 * folder: the output and the files it added.
 */
function generateInto(configFile: string, migrations: string): { output: string; added: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "phonehome-drift-"));
  try {
    const out = join(dir, "migrations");
    cpSync(migrations, out, { recursive: true });
    // drizzle-kit takes `out` (and `schema`) relative to the working directory (it prefixes "./").
    const config = join(dir, "drizzle.config.ts");
    writeFileSync(config, `import base from ${JSON.stringify(join(ROOT, configFile))};\nexport default { ...base, out: ${JSON.stringify(relative(ROOT, out))} };\n`);
    const before = readdirSync(out, { recursive: true }).map(String).sort();
    const run = spawnSync(DRIZZLE_KIT, ["generate", "--config", config], { cwd: ROOT, encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
    const after = readdirSync(out, { recursive: true }).map(String).sort();
    // drizzle-kit exits 0 on some errors too: the callers check the output.
    expect(run.status, run.stdout + run.stderr).toBe(0);
    return { output: run.stdout + run.stderr, added: after.filter((f) => !before.includes(f)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("schema and migrations agree (drizzle-kit generate finds nothing to do)", () => {
  it("PostgreSQL: src/db/pg-schema.ts and drizzle-pg/", () => {
    const { output, added } = generateInto("drizzle-pg.config.ts", PG_MIGRATIONS_DIR);
    expect(added).toEqual([]);
    expect(output).toContain("No schema changes");
  });

  it("SQLite: src/db/schema.ts and drizzle/", () => {
    const { output, added } = generateInto("drizzle.config.ts", MIGRATIONS_DIR);
    expect(added).toEqual([]);
    expect(output).toContain("No schema changes");
  });
});

describe("the derived PostgreSQL tables", () => {
  it("are exported under the SQLite tables' names, with the same table names", () => {
    const sqliteTables = new Map(Object.entries(sqliteSchema).filter(([, v]) => is(v, SQLiteTable)) as [string, SQLiteTable][]);
    const pgTables = Object.entries(pgSchema).filter(([, v]) => is(v, PgTable)) as [string, PgTable][];
    expect(sqliteTables.size).toBeGreaterThanOrEqual(49);
    expect(pgTables.map(([k]) => k).sort()).toEqual([...sqliteTables.keys()].sort());
    for (const [key, table] of pgTables) expect(getPgTableConfig(table).name, key).toBe(getSqliteTableConfig(sqliteTables.get(key)!).name);
  });

  it("carry the SQLite rows' types: what a select returns and an insert takes", () => {
    expectTypeOf<typeof pgSchema.devices.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.devices.$inferSelect>();
    expectTypeOf<typeof pgSchema.tenants.$inferInsert>().toEqualTypeOf<typeof sqliteSchema.tenants.$inferInsert>();
    expectTypeOf<typeof pgSchema.extensionSettings.$inferSelect>().toEqualTypeOf<typeof sqliteSchema.extensionSettings.$inferSelect>();
    // And at run time: the columns map values as their SQLite counterparts do for the caller.
    expect(pgSchema.tenants.zeroTouch.mapFromDriverValue(true)).toBe(true);
    expect(pgSchema.tenants.ntpServers.mapToDriverValue(["a"])).toBe('["a"]');
    expect(pgSchema.devices.lastSeenAt.mapFromDriverValue("1796150000000")).toBe(1796150000000);
  });

  it("map each SQLite column type, default and check (and refuse what they do not know)", () => {
    const parent = sqliteTable("parent", { id: integer("id").primaryKey({ autoIncrement: true }) });
    const child = sqliteTable(
      "child",
      {
        parentId: integer("parent_id").notNull().references(() => parent.id, { onDelete: "set null" }),
        flag: integer("flag", { mode: "boolean" }).notNull().default(true),
        doc: text("doc", { mode: "json" }).$type<{ a: number }>().default({ a: 1 }),
        picture: blob("picture", { mode: "buffer" }),
        ratio: real("ratio"),
        kind: text("kind", { enum: ["a", "b"] }).notNull().unique(),
        at: integer("at").notNull(),
      },
      (t) => [index("child_at").on(t.at), uniqueIndex("child_parent_kind").on(t.parentId, t.kind)],
    );
    const checked = sqliteTable("checked", { at: integer("at") }, (t) => [check("checked_at_positive", sql`${t.at} > 0`)]);
    const { parent: derivedParent, child: derived, checked: derivedChecked } = derivePgTables({ parent, child, checked });
    const cols = getPgTableConfig(derived).columns;
    const col = (name: string) => cols.find((c) => c.name === name)!;
    expect(Object.fromEntries(cols.map((c) => [c.name, c.getSQLType()]))).toEqual({
      parent_id: "bigint",
      flag: "boolean",
      doc: "jsonb",
      picture: "bytea",
      ratio: "double precision",
      kind: "text",
      at: "bigint",
    });
    expect(col("flag").default).toBe(true);
    expect(col("doc").default).toEqual({ a: 1 });
    expect(col("doc").notNull).toBe(false);
    expect(col("kind").enumValues).toEqual(["a", "b"]);
    const id = getPgTableConfig(derivedParent).columns[0]!;
    expect([id.primary, id.generatedIdentity?.type]).toEqual([true, "byDefault"]);

    // A check whose SQL the mapping does not know is refused, naming what to add (when drizzle reads the table).
    expect(() => getPgTableConfig(derivedChecked)).toThrow(/checked checked_at_positive: the SQL expression "checked"."at" > 0 has no PostgreSQL form yet; add it to SQL_EXPRESSIONS/);
    expect(getPgTableConfig(derived).indexes.map((i) => [i.config.name, i.config.unique])).toEqual([
      ["child_kind_unique", true],
      ["child_at", false],
      ["child_parent_kind", true],
    ]);
    expect(getPgTableConfig(derived).foreignKeys.map((f) => [f.getName(), f.onDelete])).toEqual([["child_parent_id_parent_id_fk", "set null"]]);
    const noCheck = sqliteTable("plain", { at: integer("at").default(sql`(unixepoch())`) });
    expect(() => derivePgTables({ noCheck })).toThrow(/plain\.at default: the SQL expression \(unixepoch\(\)\) has no PostgreSQL form yet/);

    const indexed = sqliteTable("indexed", { parentId: integer("parent_id").references(() => parent.id, { onDelete: "cascade" }), kind: text("kind").unique() }, (t) => [index("indexed_parent").on(t.parentId)]);
    const d = getPgTableConfig(derivePgTables({ parent, indexed }).indexed);
    expect(d.indexes.map((i) => [i.config.name, i.config.unique, i.config.columns.map((c) => (c as PgColumn).name)])).toEqual([
      ["indexed_kind_unique", true, ["kind"]],
      ["indexed_parent", false, ["parent_id"]],
    ]);
    expect(d.foreignKeys.map((f) => [f.getName(), f.onDelete, getPgTableConfig(f.reference().foreignTable).name])).toEqual([["indexed_parent_id_parent_id_fk", "cascade", "parent"]]);
    // A foreign key to a table that is not derived with it cannot be built.
    expect(() => getPgTableConfig(derivePgTables({ indexed }).indexed)).toThrow(/points at table parent, which the schema does not export/);
  });
});

describe("the shape comparison", () => {
  const table = (over: Partial<TableShape> = {}): TableShape => ({
    columns: [
      { name: "id", type: "integer", notNull: true, default: null },
      { name: "flag", type: "integer", notNull: true, default: "false" },
    ],
    primaryKey: ["id"],
    indexes: [{ name: "t_flag", columns: ["flag"], unique: false, partial: false }],
    foreignKeys: [{ columns: ["id"], table: "u", foreignColumns: ["id"], onDelete: "cascade", onUpdate: "no action" }],
    checks: ["t_check"],
    triggers: [{ name: "t_gen_update", event: "update", columns: ["flag"] }],
    ...over,
  });
  const asPg = (t: TableShape, over: Partial<TableShape> = {}): TableShape => ({
    ...t,
    columns: [
      { name: "id", type: "bigint", notNull: true, default: null },
      { name: "flag", type: "boolean", notNull: true, default: "false" },
    ],
    ...over,
  });

  it("finds two equal shapes equal, with types mapped", () => {
    expect(compareShapes({ t: table() }, { t: asPg(table()) })).toEqual([]);
  });

  it("names every difference", () => {
    const a: DbShape = { t: table(), only_sqlite: table() };
    const b: DbShape = {
      t: asPg(table(), {
        columns: [
          { name: "id", type: "text", notNull: false, default: null },
          { name: "flag", type: "boolean", notNull: true, default: "true" },
          { name: "extra", type: "text", notNull: false, default: null },
        ],
        primaryKey: ["id", "flag"],
        indexes: [{ name: "t_flag", columns: ["id"], unique: true, partial: false }],
        foreignKeys: [{ columns: ["id"], table: "u", foreignColumns: ["id"], onDelete: "restrict", onUpdate: "no action" }],
        checks: [],
        triggers: [{ name: "t_gen_update", event: "update", columns: ["flag", "id"] }],
      }),
    };
    expect(compareShapes(a, b)).toEqual([
      "table only_sqlite: only on SQLite",
      "table t: column id: type integer on SQLite, text on PostgreSQL",
      "table t: column id: not null on SQLite, nullable on PostgreSQL",
      "table t: column flag: default false on SQLite, true on PostgreSQL",
      "table t: column extra: only on PostgreSQL",
      "table t: primary key (id) on SQLite, (id, flag) on PostgreSQL",
      "table t: index t_flag: columns (flag) on SQLite, (id) on PostgreSQL",
      "table t: index t_flag: not unique on SQLite, unique on PostgreSQL",
      "table t: foreign key id->u(id): on delete cascade on SQLite, restrict on PostgreSQL",
      "table t: check t_check: only on SQLite",
      "table t: trigger t_gen_update (update): columns (flag) on SQLite, (flag, id) on PostgreSQL",
    ]);
  });
});

describe("SQLite and PostgreSQL after their migrations", () => {
  let dir = "";
  let sqlite: Db;
  let pgUrl = "";
  let client: pg.Client;
  let sqliteDb: DbShape;
  let pgDb: DbShape;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "phonehome-drift-"));
    sqlite = openDb(join(dir, "phonehome.db"));
    pgUrl = await postgres.createDatabase();
    // Every migration of the journal, in its order, and nothing else.
    const journal = JSON.parse(readFileSync(join("drizzle-pg", "meta", "_journal.json"), "utf8")) as { entries: { tag: string }[] };
    expect(await migratePostgres(pgUrl, config)).toEqual(journal.entries.map((e) => e.tag));
    client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    sqliteDb = sqliteShape(sqlite.$client);
    pgDb = await pgShape(client);
  });
  afterAll(async () => {
    await client?.end();
    sqlite?.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // PostgreSQL's TRUNCATE fires no delete trigger, so the render-input tables have one for it there.
  const withoutTruncate = (shape: DbShape): DbShape =>
    Object.fromEntries(Object.entries(shape).map(([name, t]) => [name, { ...t, triggers: t.triggers.filter((tr) => tr.event !== "truncate") }]));

  it("have the same tables, columns, keys, indexes, checks and triggers", () => {
    expect(Object.keys(pgDb).length).toBe(Object.keys(sqliteDb).length);
    expect(Object.keys(sqliteDb).length).toBeGreaterThanOrEqual(49);
    expect(compareShapes(sqliteDb, withoutTruncate(pgDb))).toEqual([]);
  });

  it("types each column as the mapping says: epoch ms in bigint, booleans, JSON in jsonb", () => {
    const type = (t: string, c: string) => pgDb[t]!.columns.find((x) => x.name === c)?.type;
    expect(type("fetch_log", "at")).toBe("bigint");
    expect(type("devices", "last_seen_at")).toBe("bigint");
    expect(type("tenants", "zero_touch")).toBe("boolean");
    expect(type("tenants", "ntp_servers")).toBe("jsonb");
    // Every SQLite integer is bigint or (mode boolean) boolean; no 32-bit integer anywhere.
    const all = Object.values(pgDb).flatMap((t) => t.columns.map((c) => c.type));
    expect(new Set(all)).toEqual(new Set(["bigint", "boolean", "text", "jsonb"]));
  });

  it("give every render-input table the generation triggers on both, and only those", () => {
    const events = (shape: DbShape, table: string) => shape[table]!.triggers.map((t) => `${t.name}:${t.event}`).sort();
    for (const table of RENDER_INPUT_TABLES) {
      expect(events(sqliteDb, table), table).toEqual([`${table}_gen_delete:delete`, `${table}_gen_insert:insert`, `${table}_gen_update:update`]);
      expect(events(pgDb, table), table).toEqual([`${table}_gen_delete:delete`, `${table}_gen_insert:insert`, `${table}_gen_truncate:truncate`, `${table}_gen_update:update`]);
    }
    const withTriggers = (shape: DbShape) => Object.keys(shape).filter((t) => shape[t]!.triggers.length > 0).sort();
    expect(withTriggers(sqliteDb)).toEqual([...RENDER_INPUT_TABLES].sort());
    expect(withTriggers(pgDb)).toEqual([...RENDER_INPUT_TABLES].sort());
    // devices' update trigger fires on every column but the last-seen ones, on both (a new column is caught here).
    const deviceColumns = sqliteDb.devices!.columns.map((c) => c.name).filter((c) => !(DEVICE_SEEN_COLUMNS as readonly string[]).includes(c)).sort();
    for (const shape of [sqliteDb, pgDb]) expect(shape.devices!.triggers.find((t) => t.event === "update")?.columns).toEqual(deviceColumns);
    expect(sqliteDb.tenants!.triggers.find((t) => t.event === "update")?.columns).toBeNull();
  });

  it("fail the comparison when the PostgreSQL database is altered by hand", async () => {
    const broken = await postgres.createDatabase();
    await migratePostgres(broken, config);
    const c = new pg.Client({ connectionString: broken });
    await c.connect();
    try {
      await c.query(`ALTER TABLE devices ALTER COLUMN model DROP NOT NULL;
        DROP INDEX devices_tenant;
        DROP TRIGGER device_keys_gen_update ON device_keys;
        ALTER TABLE tenants ALTER COLUMN time_zone SET DEFAULT 'Europe/Paris';
        ALTER TABLE device_lines DROP CONSTRAINT device_lines_extension_id_extensions_id_fk;
        ALTER TABLE device_lines ADD FOREIGN KEY (extension_id) REFERENCES extensions(id) ON DELETE CASCADE;
        ALTER TABLE audit_log ADD COLUMN note text`);
      expect(compareShapes(sqliteDb, withoutTruncate(await pgShape(c)))).toEqual([
        "table audit_log: column note: only on PostgreSQL",
        "table device_keys: trigger device_keys_gen_update (update): only on SQLite",
        "table device_lines: foreign key extension_id->extensions(id): on delete restrict on SQLite, cascade on PostgreSQL",
        "table devices: column model: not null on SQLite, nullable on PostgreSQL",
        "table devices: index devices_tenant: only on SQLite",
        "table tenants: column time_zone: default 'UTC' on SQLite, 'Europe/Paris' on PostgreSQL",
      ]);
    } finally {
      await c.end();
    }
  });

  describe("the render-cache generation", () => {
    // The same statements on both databases; each bumps config_generation.gen or leaves it.
    const steps: [string, string, boolean][] = [
      ["insert a tenant", "insert into tenants (name, sip_domain, sip_server_host, created_at, updated_at) values ('t.example', 't.example', 'pbx', 1, 1)", true],
      ["update a tenant", "update tenants set time_zone = 'Europe/Berlin' where name = 't.example'", true],
      [
        "insert a device",
        "insert into devices (mac, vendor, model, tenant_id, prov_username, prov_password_enc, admin_password_enc, created_at, updated_at) select '805ec0000001', 'yealink', 'T54W', id, 'u', 'p', 'a', 1, 1 from tenants where name = 't.example'",
        true,
      ],
      ["update only last_seen_at of a device", "update devices set last_seen_at = 1796150000000 where mac = '805ec0000001'", false],
      ["update every last-seen column of a device", "update devices set last_seen_at = 2, last_ip = '127.0.0.1', last_user_agent = 'ua', last_firmware = 'f', last_base_url = 'http://x/' where mac = '805ec0000001'", false],
      ["update the label of a device", "update devices set label = 'desk' where mac = '805ec0000001'", true],
      ["update a label and last_seen_at", "update devices set label = 'desk 2', last_seen_at = 3 where mac = '805ec0000001'", true],
      ["insert an extension", "insert into extensions (tenant_id, number, display_name, sip_user, auth_user, sip_password_enc, created_at, updated_at) select id, '101', 'One', '101', '101', 'x', 1, 1 from tenants", true],
      ["insert a line", "insert into device_lines (device_id, line_index, extension_id) select d.id, 1, e.id from devices d, extensions e", true],
      ["update no row", "update device_lines set line_index = 2 where line_index = 99", false],
      ["delete no row", "delete from feature_codes where name = 'none'", false],
      ["write a table that is not rendered", "insert into audit_log (at, actor, action, target) values (1, 'cli', 'x', 'y')", false],
      ["delete a line", "delete from device_lines", true],
    ];

    const runSteps = async (exec: (statement: string) => Promise<void>, gen: () => Promise<number>) => {
      const seen: [string, boolean][] = [];
      for (const [what, statement] of steps) {
        const before = await gen();
        await exec(statement);
        seen.push([what, (await gen()) > before]);
      }
      return seen;
    };
    const expected = steps.map(([what, , bumps]) => [what, bumps]);

    it("is bumped by the same writes on PostgreSQL as on SQLite", async () => {
      const onSqlite = await runSteps(
        async (s) => void sqlite.$client.prepare(s).run(),
        async () => (sqlite.$client.prepare("select gen from config_generation where id = 1").get() as { gen: number }).gen,
      );
      const pgGen = async () => Number((await client.query<{ gen: string }>("select gen from config_generation where id = 1")).rows[0]!.gen);
      const onPg = await runSteps(async (s) => void (await client.query(s)), pgGen);
      expect(onSqlite).toEqual(expected);
      expect(onPg).toEqual(expected);

      // PostgreSQL only: TRUNCATE, and a statement writing many rows bumps once.
      let before = await pgGen();
      await client.query("insert into feature_codes (tenant_id, name, code) select id, n, '*' || n from tenants, generate_series(1, 50) n");
      expect((await pgGen()) - before).toBe(1);
      before = await pgGen();
      await client.query("truncate feature_codes");
      expect(await pgGen()).toBeGreaterThan(before);
    });

    it("has its one row, seeded by the migration, and no second one", async () => {
      expect((await client.query("select id from config_generation")).rows).toEqual([{ id: "1" }]);
      await expect(client.query("insert into config_generation (id, gen) values (2, 0)")).rejects.toThrow(/config_generation_one_row/);
    });
  });
});
