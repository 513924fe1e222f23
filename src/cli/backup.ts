import Database from "better-sqlite3";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Command, Option } from "commander";
import type { Config } from "../config.ts";
import { openDb } from "../db/client.ts";
import { AppError, conflict, invalidInput } from "../errors.ts";
import { retiredKeysPath } from "../secret-key-ring.ts";

/**
 * `backup` and `restore` of the database, with the secret key handled explicitly. The database is
 * copied with SQLite's online backup API (better-sqlite3 `db.backup()`), which gives a consistent
 * snapshot while a server keeps writing. The secret key is never inside the database file: without
 * `--with-key` it is not copied and the command says so; with it, it is written beside the backup as
 * `<FILE>.key` (and `<FILE>.key.retired` after a rotation), mode 0600. See docs/operations.md.
 */
const dbPath = (config: Config): string => join(config.dataDir, "phonehome.db");

const keyFilesOf = (keyFile: string): [string, string][] => [
  [keyFile, ""],
  [retiredKeysPath(keyFile), ".retired"],
];

async function backupDatabase(config: Config, file: string, withKey: boolean): Promise<string[]> {
  const source = dbPath(config);
  if (!existsSync(source)) throw invalidInput(`no database at ${source}: check --data-dir`);
  if (existsSync(file)) throw conflict(`${file} exists; choose a new file name (a backup never overwrites)`);
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  chmodSync(file, 0o600);
  const notes = [`database backed up to ${file}`];
  if (!withKey) {
    notes.push(`the secret key is NOT in the backup: copy ${config.secretKeyFile} (and ${retiredKeysPath(config.secretKeyFile)} if present) separately, or run again with --with-key; without it the stored passwords cannot be read`);
    return notes;
  }
  for (const [path, suffix] of keyFilesOf(config.secretKeyFile)) {
    if (!existsSync(path)) continue;
    copyFileSync(path, `${file}.key${suffix}`);
    notes.push(`secret key written to ${file}.key${suffix} (mode 0600): keep it apart from the database backup where you can`);
  }
  return notes;
}

function restoreDatabase(config: Config, file: string, keyFile: string | undefined, force: boolean): string[] {
  if (!existsSync(file)) throw invalidInput(`no backup at ${file}`);
  const check = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const ok = check.pragma("integrity_check", { simple: true });
    if (ok !== "ok") throw invalidInput(`${file} is not a sound SQLite database (integrity_check: ${String(ok)})`);
    if (!check.prepare("select 1 from sqlite_master where name = 'devices'").get()) throw invalidInput(`${file} is not a phonehome database`);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw invalidInput(`${file} is not a SQLite database: ${(err as Error).message}`);
  } finally {
    check.close();
  }
  const target = dbPath(config);
  if (existsSync(target) && !force) throw conflict(`${target} exists; stop the server and pass --force to replace it, or restore into a fresh --data-dir`);
  const key = keyFile ?? (existsSync(`${file}.key`) ? `${file}.key` : undefined);
  const keyHere = existsSync(config.secretKeyFile);
  if (!key && !keyHere) throw invalidInput(`no secret key: pass --key FILE (the ${file}.key that backup --with-key wrote, or a copy of secret.key); without it the restored passwords cannot be read`);
  if (key && keyHere && readFileSync(key, "utf8").trim() !== readFileSync(config.secretKeyFile, "utf8").trim() && !force) {
    throw conflict(`${config.secretKeyFile} holds another key than ${key}; pass --force to replace it`);
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
  copyFileSync(file, target);
  const notes = [`database restored to ${target}`];
  if (key) {
    copyFileSync(key, config.secretKeyFile);
    if (existsSync(`${key}.retired`)) copyFileSync(`${key}.retired`, retiredKeysPath(config.secretKeyFile));
    notes.push(`secret key restored to ${config.secretKeyFile}`);
  }
  // Brings an older backup to the current migrations now rather than at the next start.
  openDb(target).$client.close();
  return notes;
}

export function addBackupCommands(program: Command, dataDirOption: () => Option, configFrom: (opts: Record<string, unknown>) => Config): void {
  program
    .command("backup <file>")
    .description("copy the database to FILE, consistent while the server runs (the secret key only with --with-key)")
    .addOption(dataDirOption())
    .option("--with-key", "also write the secret key beside it as FILE.key (mode 0600)")
    .action(async (file: string, opts) => {
      for (const line of await backupDatabase(configFrom(opts), file, opts.withKey === true)) console.error(line);
    });
  program
    .command("restore <file>")
    .description("put a backup in place of the data directory's database (server stopped)")
    .addOption(dataDirOption())
    .option("--key <file>", "secret key to restore with it (default FILE.key when present)")
    .option("--force", "replace an existing database or a different secret key")
    .action((file: string, opts) => {
      for (const line of restoreDatabase(configFrom(opts), file, opts.key, opts.force === true)) console.error(line);
    });
}
