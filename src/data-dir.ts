import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";

/** The database file in the data directory; SQLite adds `-wal` and `-shm` next to it. */
export const DB_FILE = "phonehome.db";
const DB_COMPANIONS = ["", "-wal", "-shm", "-journal"] as const;

function tighten(path: string, mode: number, what: string): void {
  const current = statSync(path).mode & 0o777;
  if (current === mode) return;
  try {
    chmodSync(path, mode);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(
      `${what} ${path} has mode ${current.toString(8)} and cannot be restricted to ${mode.toString(8)} (${why}); ` +
        `run phonehome as the owner of the directory, or run chmod ${mode.toString(8)} on it yourself`,
    );
  }
}

/**
 * Creates the data directory (0700), or restricts an existing one to 0700, and restricts the database
 * and its WAL / SHM files to 0600: they hold the sealed secrets and every device. The database file is
 * created here with 0600 before SQLite opens it, because SQLite creates its WAL and SHM files with the
 * permissions of the database file (sqlite.org/src os_unix.c, findCreateFileMode), but creates a new
 * database 0644 less the umask. Throws with what to do when a mode cannot be changed.
 */
export function prepareDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700, "the data directory");
  const db = join(dir, DB_FILE);
  if (!existsSync(db)) closeSync(openSync(db, "a", 0o600));
  restrictDbFiles(db);
  return db;
}

/** Restricts the database file and whichever of its companion files exist to 0600. */
export function restrictDbFiles(dbPath: string): void {
  for (const suffix of DB_COMPANIONS) {
    const path = `${dbPath}${suffix}`;
    if (existsSync(path)) tighten(path, 0o600, "the database file");
  }
}
