import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
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

const HOLDER = fileURLToPath(new URL("./lock-holder.mjs", import.meta.url));

/** Another process holding the database's write lock (lock-holder.mjs) until `release()`. */
export async function holdWriteLock(dbFile: string): Promise<{ release(): Promise<void> }> {
  const child = spawn(process.execPath, [HOLDER, dbFile], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    async release() {
      child.stdin!.write("release\n");
      await exited;
    },
  };
}
