import pg from "pg";
import { isPostgresUrl, type Config } from "../config.ts";
import { invalidInput } from "../errors.ts";

type PgSettings = Pick<Config, "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs">;

/** The URL without its password, for messages (a URL on a command line may carry one). */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}

/**
 * One connection (for CLI commands; a pool of databasePoolSize is for the server), with the
 * configured connect and statement timeouts. A failure to connect says where and what to check.
 */
export async function connectPg(url: string, settings: PgSettings, options: { statementTimeoutMs?: number } = {}): Promise<pg.Client> {
  if (!isPostgresUrl(url)) throw invalidInput(`${redactedUrl(url)} is not a PostgreSQL URL: give postgres://user:password@host:5432/database (postgres:// or postgresql://)`);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: settings.databaseConnectTimeoutMs,
    statement_timeout: options.statementTimeoutMs ?? settings.databaseStatementTimeoutMs,
    application_name: "phonehome",
  });
  // A connection the server ends (restart, failover) must not crash the process with an unhandled 'error'.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectFailed(url, err);
  }
  return client;
}

/** A failure to connect, saying where and what to check (a single client or the server's pool). */
export function connectFailed(url: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  return invalidInput(
    `cannot connect to PostgreSQL at ${redactedUrl(url)} (${e.code ?? ""}${e.code ? ": " : ""}${e.message || "connection failed"}): ` +
      "check the URL (--database-url or PHONEHOME_DATABASE_URL), that the server is running and reachable, and databaseConnectTimeoutMs",
  );
}
