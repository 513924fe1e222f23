import { Command, Option } from "commander";
import { ConfigError, type Config } from "../config.ts";
import { migratePostgres, migrateSqliteDataDir } from "../db/migrations.ts";
import { redactedUrl } from "../db/pg-client.ts";

/** Until the data layer runs on PostgreSQL, a server configured for it stops at once and says why. */
export function refuseServingFromPostgres(config: Config): void {
  if (!config.databaseUrl) return;
  throw new ConfigError(
    "serving from PostgreSQL is not available in this version; use `phonehome db migrate` and `phonehome db copy` to prepare a database " +
      "(unset databaseUrl / PHONEHOME_DATABASE_URL to serve from SQLite in the data directory; docs/scale-out.md)",
  );
}

const urlOption = () => new Option("--database-url <url>", "PostgreSQL database (env PHONEHOME_DATABASE_URL; unset = SQLite in the data directory)");

/** `phonehome db migrate` and `phonehome db copy` (docs/cli.md, docs/scale-out.md). */
export function dbCommands(configFrom: (opts: Record<string, unknown>) => Config, dataDirOption: () => Option): Command {
  const db = new Command("db").description("database migrations and moving a site to PostgreSQL");
  db.command("migrate")
    .description("apply the migrations of the configured database (SQLite in the data directory, or PostgreSQL), once across nodes")
    .addOption(dataDirOption())
    .addOption(urlOption())
    .action(async (opts: Record<string, unknown>) => {
      const config = configFrom(opts);
      const target = config.databaseUrl ? redactedUrl(config.databaseUrl) : `SQLite ${config.dataDir}`;
      const applied = config.databaseUrl ? await migratePostgres(config.databaseUrl, config) : migrateSqliteDataDir(config);
      for (const tag of applied) console.log(`applied ${tag}`);
      console.log(applied.length ? `${applied.length} migration(s) applied to ${target}` : `${target} is up to date: nothing to apply`);
    });
  return db;
}
