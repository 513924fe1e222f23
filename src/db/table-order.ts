import { getTableName, is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";

/** The drizzle tables among a schema module's exports. */
export function schemaTables(module: Record<string, unknown>): SQLiteTable[] {
  return Object.values(module).filter((v): v is SQLiteTable => is(v, SQLiteTable));
}

/**
 * The tables ordered so that every table comes after the tables its foreign keys reference
 * (parents first), ties broken by name so the order is stable. Throws on a cycle, which the schema
 * does not have: a copy into a database that checks foreign keys could not be ordered.
 */
export function foreignKeyOrder(tables: readonly SQLiteTable[]): SQLiteTable[] {
  const byName = new Map(tables.map((t) => [getTableName(t), t]));
  const parents = new Map<string, Set<string>>();
  for (const t of tables) {
    const name = getTableName(t);
    const refs = getTableConfig(t).foreignKeys.map((fk) => getTableName(fk.reference().foreignTable)).filter((p) => p !== name && byName.has(p));
    parents.set(name, new Set(refs));
  }
  const ordered: SQLiteTable[] = [];
  const done = new Set<string>();
  while (done.size < tables.length) {
    const ready = [...parents.keys()].filter((n) => !done.has(n) && [...parents.get(n)!].every((p) => done.has(p))).sort();
    if (ready.length === 0) throw new Error(`foreign keys form a cycle among ${[...parents.keys()].filter((n) => !done.has(n)).join(", ")}`);
    for (const n of ready) {
      done.add(n);
      ordered.push(byName.get(n)!);
    }
  }
  return ordered;
}
