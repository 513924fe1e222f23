import { getTableColumns, is, SQL, sql, type Column } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTable,
  type PgTableExtraConfigValue,
  type PgTableWithColumns,
} from "drizzle-orm/pg-core";
import { getTableConfig, SQLiteColumn, SQLiteSyncDialect, SQLiteTable, type SQLiteTableWithColumns } from "drizzle-orm/sqlite-core";

/**
 * PostgreSQL tables derived from the SQLite description in schema.ts, so that the schema is
 * written once (docs/architecture.md#postgresql-schema). Table, column, index and constraint names
 * are the SQLite ones; the type mapping is `pgColumn` below. Anything the mapping does not know
 * (a column type, an SQL expression, an expression index) throws at load, naming what to add here,
 * so that a new feature of schema.ts cannot silently become something else on PostgreSQL.
 */

/**
 * SQL written with sql`...` in schema.ts (defaults, CHECK constraints), as SQLite renders it, and its
 * PostgreSQL form. `null`: the expression means the same on both and is used as written (its column
 * references pointed at the PostgreSQL columns).
 */
const SQL_EXPRESSIONS: ReadonlyMap<string, string | null> = new Map([
  // tenants.ntp_servers, tenants.allowed_networks: JSON literals; jsonb columns take a jsonb literal.
  [`'["pool.ntp.org"]'`, `'["pool.ntp.org"]'::jsonb`],
  [`'[]'`, `'[]'::jsonb`],
  // devices_mac_form: length() counts characters on both.
  [`length("devices"."mac") = 12`, null],
  // config_generation_one_row
  [`"config_generation"."id" = 1`, null],
]);

const sqliteDialect = new SQLiteSyncDialect();

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

type Columns = Record<string, PgColumn>;

/** The PostgreSQL builder for one SQLite column: type, nullability, primary key, default. */
function pgColumn(tableName: string, column: SQLiteColumn): PgColumnBuilderBase {
  const where = `${tableName}.${column.name}`;
  if (column.generated) throw new Error(`${where}: generated columns have no PostgreSQL mapping yet; add one in src/db/pg-derive.ts`);
  // Builders are untyped here: the derived table's type comes from the SQLite one (PgSchemaOf).
  let builder: any;
  switch (column.columnType) {
    case "SQLiteInteger": {
      // SQLite integers are 64-bit; bigint keeps every value that SQLite holds (epoch ms above all).
      builder = bigint(column.name, { mode: "number" });
      // Explicit ids stay insertable (copying a site keeps its ids); the sequence is then moved past them.
      if ((column as unknown as { autoIncrement?: boolean }).autoIncrement) builder = builder.generatedByDefaultAsIdentity();
      break;
    }
    case "SQLiteBoolean":
      builder = boolean(column.name);
      break;
    case "SQLiteText":
      builder = text(column.name, column.enumValues ? { enum: column.enumValues as [string, ...string[]] } : {});
      break;
    case "SQLiteTextJson":
    case "SQLiteBlobJson":
      builder = jsonb(column.name);
      break;
    case "SQLiteBlobBuffer":
      builder = bytea(column.name);
      break;
    case "SQLiteBigInt":
      builder = bigint(column.name, { mode: "bigint" });
      break;
    case "SQLiteReal":
      builder = doublePrecision(column.name);
      break;
    case "SQLiteNumeric":
      builder = numeric(column.name);
      break;
    case "SQLiteNumericNumber":
      builder = numeric(column.name, { mode: "number" });
      break;
    case "SQLiteNumericBigInt":
      builder = numeric(column.name, { mode: "bigint" });
      break;
    default:
      throw new Error(`${where}: column type ${column.columnType} has no PostgreSQL mapping yet; add one in src/db/pg-derive.ts`);
  }
  if (column.notNull) builder = builder.notNull();
  if (column.primary) builder = builder.primaryKey();
  if (is(column.default, SQL)) builder = builder.default(pgExpression(`${where} default`, column.default, {}));
  else if (column.default !== undefined) builder = builder.default(column.default);
  if (column.defaultFn) builder = builder.$defaultFn(column.defaultFn);
  if (column.onUpdateFn) builder = builder.$onUpdateFn(column.onUpdateFn);
  return builder as PgColumnBuilderBase;
}

/** `expression` (SQLite) for PostgreSQL, with its column references moved to `columns` (by column name). */
function pgExpression(where: string, expression: SQL, columns: Columns): SQL {
  const rendered = sqliteDialect.sqlToQuery(expression);
  const known = SQL_EXPRESSIONS.get(rendered.sql);
  if (known === undefined || rendered.params.length > 0) {
    throw new Error(`${where}: the SQL expression ${rendered.sql} has no PostgreSQL form yet; add it to SQL_EXPRESSIONS in src/db/pg-derive.ts`);
  }
  if (known !== null) return sql.raw(known);
  return remapColumns(expression, columns);
}

function remapColumns(expression: SQL, columns: Columns): SQL {
  return new SQL(
    expression.queryChunks.map((chunk) => {
      if (is(chunk, SQLiteColumn)) {
        const target = columns[chunk.name];
        if (!target) throw new Error(`no PostgreSQL column ${chunk.name} for an SQL expression`);
        return target;
      }
      return is(chunk, SQL) ? remapColumns(chunk, columns) : chunk;
    }),
  );
}

/** One SQLite table's indexes, keys and checks, for the derived table built from `self`'s columns. */
function extraConfig(table: SQLiteTable, self: Record<string, PgColumn>, lookup: (table: SQLiteTable) => PgTable): PgTableExtraConfigValue[] {
  const config = getTableConfig(table);
  const byName: Columns = {};
  for (const column of Object.values(self)) byName[column.name] = column;
  const cols = (columns: (SQLiteColumn | SQL)[], where: string): [PgColumn, ...PgColumn[]] => {
    const mapped = columns.map((c) => {
      if (!is(c, SQLiteColumn)) throw new Error(`${where}: expression indexes have no PostgreSQL mapping yet; add one in src/db/pg-derive.ts`);
      return byName[c.name]!;
    });
    return mapped as [PgColumn, ...PgColumn[]];
  };
  const out: PgTableExtraConfigValue[] = [];
  // A column's `.unique()` is a unique index on SQLite (drizzle-kit); the same here, with the same name.
  for (const column of config.columns) {
    if (column.isUnique) out.push(uniqueIndex(column.uniqueName!).on(byName[column.name]!));
  }
  for (const unique of config.uniqueConstraints) {
    out.push(uniqueIndex(unique.getName()).on(...cols(unique.columns, `${config.name} ${unique.getName()}`)));
  }
  for (const idx of config.indexes) {
    const { name, columns, unique, where } = idx.config;
    const builder = (unique ? uniqueIndex(name) : index(name)).on(...cols(columns, `${config.name} ${name}`));
    out.push(where ? builder.where(pgExpression(`${config.name} ${name}`, where, byName)) : builder);
  }
  for (const pk of config.primaryKeys) {
    out.push(primaryKey({ name: pk.getName(), columns: cols(pk.columns, `${config.name} primary key`) }));
  }
  for (const fk of config.foreignKeys) {
    const ref = fk.reference();
    const target = lookup(ref.foreignTable);
    const targetColumns = getTableColumns(target) as Record<string, PgColumn>;
    const foreign = ref.foreignColumns.map((c) => Object.values(targetColumns).find((t) => t.name === c.name)!);
    out.push(
      foreignKey({ name: fk.getName(), columns: cols(ref.columns, `${config.name} foreign key`), foreignColumns: foreign as [PgColumn, ...PgColumn[]] })
        .onDelete(fk.onDelete ?? "no action")
        .onUpdate(fk.onUpdate ?? "no action"),
    );
  }
  for (const c of config.checks) out.push(check(c.name, pgExpression(`${config.name} ${c.name}`, c.value, byName)));
  return out;
}

/**
 * The PostgreSQL table of every SQLite table exported by `schema`, under the same export name.
 * Foreign keys may point at any table of `schema`; they are resolved when drizzle reads the
 * table's constraints (after every table exists).
 */
export function derivePgTables<S extends Record<string, unknown>>(schema: S): PgSchemaOf<S> {
  const derived = new Map<SQLiteTable, PgTable>();
  const lookup = (table: SQLiteTable): PgTable => {
    const found = derived.get(table);
    if (!found) throw new Error(`a foreign key points at table ${getTableConfig(table).name}, which the schema does not export`);
    return found;
  };
  const out: Record<string, PgTable> = {};
  for (const [exportName, value] of Object.entries(schema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = getTableConfig(value);
    const columns: Record<string, PgColumnBuilderBase> = {};
    for (const [key, column] of Object.entries(getTableColumns(value))) columns[key] = pgColumn(config.name, column as SQLiteColumn);
    const table = pgTable(config.name, columns, (self) => extraConfig(value, self as unknown as Record<string, PgColumn>, lookup));
    derived.set(value, table);
    out[exportName] = table;
  }
  return out as PgSchemaOf<S>;
}

// --- Types: the derived tables carry the SQLite tables' column types (what a select returns and an insert takes).

type ConfigOf<C extends Column> = C["_"];

type PgColumnOf<C extends Column> = PgColumn<{
  name: ConfigOf<C>["name"];
  tableName: ConfigOf<C>["tableName"];
  dataType: ConfigOf<C>["dataType"];
  columnType: string;
  data: ConfigOf<C>["data"];
  driverParam: unknown;
  notNull: ConfigOf<C>["notNull"];
  hasDefault: ConfigOf<C>["hasDefault"];
  isPrimaryKey: ConfigOf<C>["isPrimaryKey"];
  isAutoincrement: ConfigOf<C>["isAutoincrement"];
  hasRuntimeDefault: ConfigOf<C>["hasRuntimeDefault"];
  enumValues: ConfigOf<C>["enumValues"];
  baseColumn: never;
  identity: ConfigOf<C>["isAutoincrement"] extends true ? "byDefault" : undefined;
  generated: undefined;
}>;

type PgTableOf<T> =
  T extends SQLiteTableWithColumns<infer C>
    ? PgTableWithColumns<{
        name: C["name"];
        schema: undefined;
        columns: { [K in keyof C["columns"]]: PgColumnOf<C["columns"][K]> };
        dialect: "pg";
      }>
    : never;

type PgSchemaOf<S> = { [K in keyof S as S[K] extends SQLiteTable ? K : never]: PgTableOf<S[K]> };
