import { and, gt, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client.ts";

/**
 * failuresSince (attempt-limiter.ts's failuresSinceIn) on the synchronous handle, for the hot-desk
 * PIN guard (src/hot-desk/pin-guard.ts), which counts inside the hot-desk sign-in's synchronous
 * transaction until hot-desk moves (docs/scale-out.md#status).
 */
export function failuresSince(db: Db, table: SQLiteTable, at: SQLiteColumn, key: SQL, since: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(table).where(and(key, gt(at, since))).get()?.n ?? 0;
}
