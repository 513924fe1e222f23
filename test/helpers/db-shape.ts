import type Database from "better-sqlite3";
import type pg from "pg";

/**
 * The structure of a live database, read from its catalogue, in one form for SQLite and
 * PostgreSQL so that the two can be compared (test/db/pg-schema-drift.test.ts). Types are as the
 * database reports them (`integer`, `bigint`, `jsonb`, ...); `compareShapes` maps one to the other.
 */
export interface ColumnShape {
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  /** The default as the database prints it, casts removed; null when none. */
  readonly default: string | null;
}

export interface IndexShape {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly partial: boolean;
}

export interface ForeignKeyShape {
  readonly columns: readonly string[];
  readonly table: string;
  readonly foreignColumns: readonly string[];
  readonly onDelete: string;
  readonly onUpdate: string;
}

export interface TriggerShape {
  readonly name: string;
  readonly event: "insert" | "update" | "delete" | "truncate";
  /** `UPDATE OF` columns, sorted; null when the trigger fires on any column. */
  readonly columns: readonly string[] | null;
}

export interface TableShape {
  readonly columns: readonly ColumnShape[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly IndexShape[];
  readonly foreignKeys: readonly ForeignKeyShape[];
  readonly checks: readonly string[];
  readonly triggers: readonly TriggerShape[];
}

export type DbShape = Readonly<Record<string, TableShape>>;

const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
const fkKey = (f: ForeignKeyShape) => `${f.columns.join(",")}->${f.table}(${f.foreignColumns.join(",")})`;

// --- SQLite ---

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function sqliteShape(db: Database.Database): DbShape {
  const tables = db
    .prepare("select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '__drizzle_migrations' order by name")
    .all() as { name: string; sql: string }[];
  const triggers = db.prepare("select name, tbl_name as tableName, sql from sqlite_master where type = 'trigger'").all() as { name: string; tableName: string; sql: string }[];
  const out: Record<string, TableShape> = {};
  for (const { name, sql } of tables) {
    const info = db.prepare(`pragma table_info(${quote(name)})`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const indexList = db.prepare(`pragma index_list(${quote(name)})`).all() as { name: string; unique: number; origin: string; partial: number }[];
    const fkRows = db.prepare(`pragma foreign_key_list(${quote(name)})`).all() as { id: number; seq: number; table: string; from: string; to: string; on_update: string; on_delete: string }[];
    const fks = new Map<number, { columns: string[]; table: string; foreignColumns: string[]; onDelete: string; onUpdate: string }>();
    for (const r of [...fkRows].sort((a, b) => a.id - b.id || a.seq - b.seq)) {
      const fk = fks.get(r.id) ?? { columns: [], table: r.table, foreignColumns: [], onDelete: r.on_delete.toLowerCase(), onUpdate: r.on_update.toLowerCase() };
      fk.columns.push(r.from);
      fk.foreignColumns.push(r.to);
      fks.set(r.id, fk);
    }
    out[name] = {
      columns: info.map((c) => ({ name: c.name, type: c.type.toLowerCase(), notNull: c.notnull === 1 || c.pk > 0, default: c.dflt_value })).sort(byName),
      primaryKey: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
      // A primary key's own index (origin pk) has no name of ours; it is the primary key.
      indexes: indexList
        .filter((i) => i.origin !== "pk")
        .map((i) => ({
          name: i.name,
          columns: (db.prepare(`pragma index_info(${quote(i.name)})`).all() as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno).map((c) => c.name),
          unique: i.unique === 1,
          partial: i.partial === 1,
        }))
        .sort(byName),
      foreignKeys: [...fks.values()].sort((a, b) => fkKey(a).localeCompare(fkKey(b))),
      checks: [...sql.matchAll(/CONSTRAINT\s+["`]?([\w]+)["`]?\s+CHECK/gi)].map((m) => m[1]!).sort(),
      triggers: triggers
        .filter((t) => t.tableName === name)
        .map((t) => sqliteTrigger(t.name, t.sql))
        .sort(byName),
    };
  }
  return out;
}

function sqliteTrigger(name: string, sql: string): TriggerShape {
  const m = /\b(?:AFTER|BEFORE|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)(?:\s+OF\s+(.*?))?\s+ON\s/is.exec(sql);
  if (!m) throw new Error(`cannot read the event of SQLite trigger ${name}: ${sql}`);
  const columns = m[2] ? m[2].split(",").map((c) => c.trim().replace(/^[`"[]|[`"\]]$/g, "")).sort() : null;
  return { name, event: m[1]!.toLowerCase() as TriggerShape["event"], columns };
}

// --- PostgreSQL (schema public) ---

const PG_FK_ACTIONS: Record<string, string> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" };

export async function pgShape(client: pg.Client): Promise<DbShape> {
  const rows = async <T extends pg.QueryResultRow>(text: string) => (await client.query<T>(text)).rows;
  const tables = await rows<{ name: string }>("select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' order by 1");
  const columns = await rows<{ table: string; name: string; type: string; notNull: boolean; default: string | null }>(`
    select c.relname as "table", a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "notNull",
           pg_get_expr(d.adbin, d.adrelid) as "default"
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped`);
  const indexes = await rows<{ table: string; name: string; columns: string[]; unique: boolean; partial: boolean; primary: boolean }>(`
    select t.relname as "table", ic.relname as name, i.indisunique as unique, i.indpred is not null as partial, i.indisprimary as primary,
           array(select a.attname from unnest(i.indkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.ord)::text[] as columns
      from pg_index i join pg_class t on t.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
      join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'`);
  const constraints = await rows<{ table: string; name: string; type: string; columns: string[]; foreignTable: string | null; foreignColumns: string[] | null; onDelete: string; onUpdate: string }>(`
    select t.relname as "table", con.conname as name, con.contype as type, ft.relname as "foreignTable",
           con.confdeltype as "onDelete", con.confupdtype as "onUpdate",
           array(select a.attname from unnest(con.conkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord)::text[] as columns,
           array(select a.attname from unnest(con.confkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.ord)::text[] as "foreignColumns"
      from pg_constraint con join pg_class t on t.oid = con.conrelid join pg_namespace n on n.oid = t.relnamespace
      left join pg_class ft on ft.oid = con.confrelid where n.nspname = 'public'`);
  const triggers = await rows<{ table: string; name: string; type: number; columns: string[] }>(`
    select c.relname as "table", tg.tgname as name, tg.tgtype::int as type,
           array(select a.attname from unnest(tg.tgattr::int2[]) k(attnum)
                   join pg_attribute a on a.attrelid = tg.tgrelid and a.attnum = k.attnum)::text[] as columns
      from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and not tg.tgisinternal`);
  const out: Record<string, TableShape> = {};
  for (const { name } of tables) {
    const mine = <T extends { table: string }>(list: T[]) => list.filter((r) => r.table === name);
    const pk = mine(indexes).find((i) => i.primary);
    out[name] = {
      columns: mine(columns).map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, default: c.default === null ? null : stripCasts(c.default) })).sort(byName),
      primaryKey: pk?.columns ?? [],
      indexes: mine(indexes)
        .filter((i) => !i.primary)
        .map((i) => ({ name: i.name, columns: i.columns, unique: i.unique, partial: i.partial }))
        .sort(byName),
      foreignKeys: mine(constraints)
        .filter((c) => c.type === "f")
        .map((c) => ({ columns: c.columns, table: c.foreignTable!, foreignColumns: c.foreignColumns!, onDelete: PG_FK_ACTIONS[c.onDelete]!, onUpdate: PG_FK_ACTIONS[c.onUpdate]! }))
        .sort((a, b) => fkKey(a).localeCompare(fkKey(b))),
      checks: mine(constraints)
        .filter((c) => c.type === "c")
        .map((c) => c.name)
        .sort(),
      triggers: mine(triggers).flatMap((t) => pgTriggerEvents(t.name, t.type, t.columns)).sort(byName),
    };
  }
  return out;
}

/** `'udp'::text` -> `'udp'`: PostgreSQL prints a default's type; SQLite has none to print. */
function stripCasts(expression: string): string {
  return expression.replace(/::[a-z][a-z ]*(\[\])?/g, "");
}

// pg_trigger.tgtype bits (PostgreSQL src/include/catalog/pg_trigger.h, TRIGGER_TYPE_*).
const PG_TRIGGER_EVENTS = [
  [4, "insert"],
  [8, "delete"],
  [16, "update"],
  [32, "truncate"],
] as const;

function pgTriggerEvents(name: string, type: number, columns: string[]): TriggerShape[] {
  return PG_TRIGGER_EVENTS.filter(([bit]) => (type & bit) !== 0).map(([, event]) => ({
    name,
    event,
    columns: event === "update" && columns.length > 0 ? [...columns].sort() : null,
  }));
}

// --- Comparison ---

/** SQLite's declared type of a column, and the PostgreSQL types it may become (src/db/pg-derive.ts). */
const TYPE_CLASSES: Record<string, readonly string[]> = {
  integer: ["bigint", "boolean"],
  text: ["text", "jsonb"],
  blob: ["bytea", "jsonb", "bigint"],
  real: ["double precision"],
  numeric: ["numeric"],
};

/**
 * Every difference between the SQLite shape `a` and the PostgreSQL shape `b`, one line each (none:
 * the two agree). Types are compared by class (TYPE_CLASSES); a boolean default prints `false` on
 * both, a number the same digits, a string or JSON literal the same quoted text.
 */
export function compareShapes(a: DbShape, b: DbShape): string[] {
  const diffs: string[] = [];
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const table of [...names].sort()) {
    const x = a[table];
    const y = b[table];
    if (!x || !y) {
      diffs.push(`table ${table}: only on ${x ? "SQLite" : "PostgreSQL"}`);
      continue;
    }
    compareList(diffs, `table ${table}: column`, x.columns, y.columns, (c) => c.name, (c, d) => {
      const out: string[] = [];
      if (!(TYPE_CLASSES[c.type] ?? []).includes(d.type)) out.push(`type ${c.type} on SQLite, ${d.type} on PostgreSQL`);
      if (c.notNull !== d.notNull) out.push(`${c.notNull ? "not null" : "nullable"} on SQLite, ${d.notNull ? "not null" : "nullable"} on PostgreSQL`);
      if (c.default !== d.default) out.push(`default ${c.default ?? "none"} on SQLite, ${d.default ?? "none"} on PostgreSQL`);
      return out;
    });
    if (x.primaryKey.join(",") !== y.primaryKey.join(",")) diffs.push(`table ${table}: primary key (${x.primaryKey.join(", ")}) on SQLite, (${y.primaryKey.join(", ")}) on PostgreSQL`);
    compareList(diffs, `table ${table}: index`, x.indexes, y.indexes, (i) => i.name, (i, j) => {
      const out: string[] = [];
      if (i.columns.join(",") !== j.columns.join(",")) out.push(`columns (${i.columns.join(", ")}) on SQLite, (${j.columns.join(", ")}) on PostgreSQL`);
      if (i.unique !== j.unique) out.push(`${i.unique ? "unique" : "not unique"} on SQLite, ${j.unique ? "unique" : "not unique"} on PostgreSQL`);
      if (i.partial !== j.partial) out.push(`${i.partial ? "partial" : "not partial"} on SQLite, ${j.partial ? "partial" : "not partial"} on PostgreSQL`);
      return out;
    });
    compareList(diffs, `table ${table}: foreign key`, x.foreignKeys, y.foreignKeys, fkKey, (f, g) => {
      const out: string[] = [];
      if (f.onDelete !== g.onDelete) out.push(`on delete ${f.onDelete} on SQLite, ${g.onDelete} on PostgreSQL`);
      if (f.onUpdate !== g.onUpdate) out.push(`on update ${f.onUpdate} on SQLite, ${g.onUpdate} on PostgreSQL`);
      return out;
    });
    compareList(diffs, `table ${table}: check`, x.checks.map((name) => ({ name })), y.checks.map((name) => ({ name })), (c) => c.name, () => []);
    compareList(diffs, `table ${table}: trigger`, x.triggers, y.triggers, (t) => `${t.name} (${t.event})`, (t, u) =>
      (t.columns ?? []).join(",") === (u.columns ?? []).join(",") ? [] : [`columns (${t.columns?.join(", ") ?? "any"}) on SQLite, (${u.columns?.join(", ") ?? "any"}) on PostgreSQL`],
    );
  }
  return diffs;
}

function compareList<T>(diffs: string[], what: string, a: readonly T[], b: readonly T[], key: (t: T) => string, detail: (x: T, y: T) => string[]): void {
  const mapB = new Map(b.map((t) => [key(t), t]));
  for (const x of a) {
    const y = mapB.get(key(x));
    if (!y) diffs.push(`${what} ${key(x)}: only on SQLite`);
    else for (const d of detail(x, y)) diffs.push(`${what} ${key(x)}: ${d}`);
  }
  const keysA = new Set(a.map(key));
  for (const y of b) if (!keysA.has(key(y))) diffs.push(`${what} ${key(y)}: only on PostgreSQL`);
}
