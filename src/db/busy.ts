import { AppError } from "../errors.ts";

/**
 * The write lock held by another process (a CLI import while the server writes, or the reverse).
 *
 * SQLite has one writer at a time. A CLI process waits for the lock up to `dbLockTimeoutMs` (its
 * connection's busy_timeout: blocking is fine there). The server keeps its busy_timeout short,
 * because a busy wait blocks the event loop (shared reference security.md §5.2), and an admin
 * request that meets the lock is retried asynchronously until `dbLockTimeoutMs` (http/admin/busy-retry.ts).
 * When the time runs out the caller gets this error: 503 with Retry-After in the API, a message and
 * exit status 2 in the CLI. Nothing was written: the transaction never started.
 */
export class DatabaseBusyError extends AppError {
  constructor(waitedMs: number) {
    super(
      503,
      "database_busy",
      `the database is locked by another writer (a running import or another phonehome process) and stayed locked for ${waitedMs} ms; nothing was changed. Try again when it has finished, or raise dbLockTimeoutMs`,
    );
    this.name = "DatabaseBusyError";
  }
}

/** True for better-sqlite3's SQLITE_BUSY / SQLITE_LOCKED family ("database is locked"). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Seconds a client should wait before retrying a 503 `database_busy`. */
export const BUSY_RETRY_AFTER_SECONDS = 2;
