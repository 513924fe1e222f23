import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { openDb } from "../../src/db/client.ts";
import type { Data } from "../../src/db/data.ts";
import { openPgData } from "../../src/db/data-pg.ts";
import { openSqliteData, sqliteDataOn } from "../../src/db/data-sqlite.ts";
import { migratePostgres } from "../../src/db/migrations.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createSecretBox } from "../../src/secrets.ts";
import type { usePostgres } from "./postgres.ts";

/**
 * The databases a test body of converted code runs on, the same body on each
 * (`describe.each(dataDialects(postgres))`): a SQLite file (writer and reader connections), an
 * in-memory SQLite database (one shared connection, as createTestDeps has) and PostgreSQL, each
 * built by its real migrations. `open()` gives a fresh, empty database; `cleanup()` closes it.
 * `peer()`, where the database can have a second handle (not in memory), opens one on the same
 * database, as another process or node would; the test closes it before `cleanup()`.
 */
export interface DataDialect {
  readonly name: string;
  open(): Promise<{ data: Data; cleanup(): Promise<void>; peer?: () => Promise<Data> }>;
}

export const TEST_CONFIG = loadConfig({ dbLockTimeoutMs: 500 }, {});

export function dataDialects(postgres: ReturnType<typeof usePostgres>): DataDialect[] {
  return [
    {
      name: "SQLite file",
      async open() {
        const dir = mkdtempSync(join(tmpdir(), "phonehome-data-"));
        const file = join(dir, "phonehome.db");
        const data = openSqliteData(file, { lockTimeoutMs: TEST_CONFIG.dbLockTimeoutMs });
        return {
          data,
          async cleanup() {
            await data.close();
            rmSync(dir, { recursive: true, force: true });
          },
          peer: async () => openSqliteData(file, { lockTimeoutMs: TEST_CONFIG.dbLockTimeoutMs, migrate: false }),
        };
      },
    },
    {
      name: "SQLite in memory",
      async open() {
        const db = openDb(":memory:");
        const data = sqliteDataOn(db, { lockTimeoutMs: TEST_CONFIG.dbLockTimeoutMs });
        return {
          data,
          async cleanup() {
            await data.close();
            db.$client.close();
          },
        };
      },
    },
    {
      name: "PostgreSQL",
      async open() {
        const url = await postgres.createDatabase();
        await migratePostgres(url, TEST_CONFIG);
        const data = await openPgData(url, TEST_CONFIG);
        return { data, cleanup: () => data.close(), peer: () => openPgData(url, TEST_CONFIG) };
      },
    },
  ];
}

/**
 * Service dependencies for code converted to the asynchronous handle: `data`, and a `db` that
 * throws when used, so that a converted service still reaching for the synchronous handle fails
 * on every database instead of passing on SQLite.
 */
export function convertedDeps(data: Data, clock: () => Date = () => new Date()): ServiceDeps {
  const db = new Proxy({} as ServiceDeps["db"], {
    get(_, key) {
      throw new Error(`deps.db.${String(key)} used by converted code: use deps.data`);
    },
  });
  return { db, data, secrets: createSecretBox(randomBytes(32)), clock };
}
