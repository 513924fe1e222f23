import type { Query } from "../db/data.ts";

// Every disabled extension, whatever its tenant: the table holds a handful of rows, while joining
// it to `extensions` by tenant made SQLite walk all of a large tenant's extensions on every render
// (the largest cost in a bench:boot CPU profile). Extension ids are unique across tenants, so
// callers test membership with the ids of their own rows.

/** Ids of disabled extensions (all tenants); read by the resolver on every render. */
export async function disabledExtensionIdsIn(q: Query): Promise<ReadonlySet<number>> {
  const { disabledExtensions: d } = q.t;
  return new Set((await q.db.select({ id: d.extensionId }).from(d)).map((r) => r.id));
}
