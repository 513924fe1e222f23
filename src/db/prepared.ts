import { rootDb, type Db } from "./client.ts";

/**
 * Statements prepared once per database connection. Building a drizzle query and preparing its
 * statement on every call cost more than the work it does on the fetch path and in the importer
 * (`bench:boot` CPU profile), so hot reads are prepared once and reused:
 *
 *   const statements = preparedPerDb((db) => ({ byId: db.$client.prepare("select ... where id = ?") }));
 *   statements(db).byId.get(id);
 *
 * `db` may be a transaction: the statements are prepared on its root instance and run on the same
 * connection, so inside the transaction. The cache is weak, so a closed test database is collected.
 */
export function preparedPerDb<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (handle) => {
    const db = rootDb(handle);
    let statements = cache.get(db);
    if (statements === undefined) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}
