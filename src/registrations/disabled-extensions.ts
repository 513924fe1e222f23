import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { disabledExtensions } from "../db/schema.ts";

// Every disabled extension, whatever its tenant: the table holds a handful of rows, while joining
// it to `extensions` by tenant made SQLite walk all of a large tenant's extensions on every fetch
// (the largest cost in a bench:boot CPU profile). Extension ids are unique across tenants, so
// callers test membership with the ids of their own rows.
const allDisabled = preparedPerDb((db) => db.select({ id: disabledExtensions.extensionId }).from(disabledExtensions).prepare());

/** Ids of disabled extensions (all tenants); read on the fetch path, so prepared once per database. */
export function disabledExtensionIds(db: Db): ReadonlySet<number> {
  return new Set(allDisabled(db).all().map((r) => r.id));
}
