import { Command, Option } from "commander";
import { ConfigError, isPostgresUrl, type Config } from "../config.ts";
import { copySqliteToPostgres } from "../db/copy.ts";
import { migratePostgres, migrateSqliteDataDir } from "../db/migrations.ts";
import { redactedUrl } from "../db/pg-client.ts";
import * as pgSchema from "../db/pg-schema.ts";
import * as sqliteSchema from "../db/schema.ts";
import { invalidInput } from "../errors.ts";

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
  db.command("copy")
    .description("copy a SQLite site into an empty PostgreSQL database, all or nothing (stop the server first)")
    .addOption(dataDirOption())
    .option("--from <source>", "sqlite:<data directory>, e.g. sqlite:./data (default: the data directory)")
    .requiredOption("--to <url>", "the PostgreSQL database, postgres://user:password@host:5432/database")
    .action(async (opts: { from?: string; to: string; dataDir?: string }) => {
      const config = configFrom(opts);
      if (!isPostgresUrl(opts.to)) throw invalidInput(`--to must be a PostgreSQL URL (postgres://user:password@host:5432/database or postgresql://...), not "${URL.canParse(opts.to) ? redactedUrl(opts.to) : opts.to}"`);
      const { applied, counts } = await copySqliteToPostgres(opts.from ?? `sqlite:${config.dataDir}`, opts.to, config, { sqlite: sqliteSchema, pg: pgSchema });
      for (const tag of applied) console.log(`applied ${tag}`);
      for (const c of counts) console.log(`${c.table}\t${c.rows}`);
      const total = counts.reduce((n, c) => n + c.rows, 0);
      console.log(`copied ${total} rows in ${counts.length} tables to ${redactedUrl(opts.to)}`);
    });
  return db;
}
