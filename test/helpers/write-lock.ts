import type Database from "better-sqlite3";

/**
 * Whether another connection holds the database's write lock, asked through `probe` (a connection
 * opened with `{ timeout: 0 }`, so it answers at once instead of waiting for the lock).
 */
export function writeLockHeld(probe: Database.Database): boolean {
  try {
    probe.exec("BEGIN IMMEDIATE");
    probe.exec("ROLLBACK");
    return false;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) return true;
    throw err;
  }
}
