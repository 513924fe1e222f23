import type { Config } from "../config.ts";
import { prepareDataDir } from "../data-dir.ts";
import type { Data } from "./data.ts";
import { openPgData } from "./data-pg.ts";
import { openSqliteData } from "./data-sqlite.ts";

/**
 * The database handle from the configuration: PostgreSQL when `databaseUrl` is set (migrated by
 * `phonehome db migrate`), else the data directory's SQLite file, migrated here unless told not to.
 */
export async function openData(config: Config, options: { migrate?: boolean } = {}): Promise<Data> {
  if (config.databaseUrl) return openPgData(config.databaseUrl, config);
  return openSqliteData(prepareDataDir(config.dataDir), { lockTimeoutMs: config.dbLockTimeoutMs, ...options });
}
