import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { disabledExtensions, extensions } from "../db/schema.ts";

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();
function prepare(db: Db) {
  return db
    .select({ id: disabledExtensions.extensionId })
    .from(disabledExtensions)
    .innerJoin(extensions, eq(extensions.id, disabledExtensions.extensionId))
    .where(eq(extensions.tenantId, sql.placeholder("tenantId")))
    .prepare();
}

/** Ids of the tenant's disabled extensions; read on the fetch path, so prepared once per database. */
export function disabledExtensionIds(db: Db, tenantId: number): ReadonlySet<number> {
  let stmt = statements.get(db);
  if (!stmt) statements.set(db, (stmt = prepare(db)));
  return new Set(stmt.all({ tenantId }).map((r) => r.id));
}
