import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig, type Config } from "../../src/config.ts";
import { openDb } from "../../src/db/client.ts";
import { sqliteDataOn } from "../../src/db/data-sqlite.ts";
import { FetchRecorder } from "../../src/provisioning/fetch-recorder.ts";
import { sqliteRequestReads } from "../../src/provisioning/request-reads.ts";
import type { ProvisionDeps } from "../../src/provisioning/provision.ts";
import { SourceLimiter } from "../../src/provisioning/source-limiter.ts";
import { createSecretBox } from "../../src/secrets.ts";
import { VENDOR_IDS, VENDOR_LIST } from "../../src/vendors/registry.ts";
import { builtinTemplateStore } from "./templates.ts";

export type TestDeps = ProvisionDeps & { close(): void };

/**
 * Real dependencies for in-process tests: an in-memory SQLite database with the real migrations,
 * a random secret key, the built-in templates, a silent logger. `now` fixes the clock.
 */
export function createTestDeps(options: { now?: Date; publicUrl?: string; firmwareDir?: string } = {}): TestDeps {
  const db = openDb(":memory:");
  const clock = () => options.now ?? new Date();
  const recorder = new FetchRecorder(db, 10, 10_000, (err) => {
    throw err;
  });
  const templates = builtinTemplateStore(VENDOR_IDS);
  return {
    db,
    // One connection (in memory), shared: reads and writes of the handle take its lock.
    data: sqliteDataOn(db, { lockTimeoutMs: 5000 }),
    secrets: createSecretBox(randomBytes(32)),
    clock,
    vendors: VENDOR_LIST,
    templates,
    reads: sqliteRequestReads(db, () => templates.generation),
    publicUrl: options.publicUrl ?? "http://prov.test:8080/",
    recorder,
    discoveryLimiter: new SourceLimiter(100, 3_600_000),
    logger: pino({ level: "silent" }),
    ...(options.firmwareDir ? { firmwareDir: options.firmwareDir } : {}),
    close() {
      recorder.flush();
      db.$client.close();
    },
  };
}

/**
 * A throw-away data directory and a config pointing at it, on ephemeral ports. The public URL is
 * set, as an operator would, so a file rendered by a second runtime (`expected()`) matches what a
 * phone is served whatever Host it sends; pass `publicUrl: undefined` to test the derivation.
 */
export function tempConfig(overrides: Record<string, unknown> = {}): { config: Config; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "phonehome-test-"));
  const config = loadConfig(
    {
      dataDir: dir,
      httpPort: 0,
      apiPort: 0,
      httpHost: "127.0.0.1",
      apiHost: "127.0.0.1",
      tftpPort: 0,
      tftpHost: "127.0.0.1",
      firmwareDir: join(dir, "firmware"),
      logLevel: "silent",
      publicUrl: "http://127.0.0.1:8080/",
      ...overrides,
    },
    {},
  );
  return { config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The leases of periodic passes and the Digest replay counts are the server's own bookkeeping,
 * renewed by its timers whatever a request does: not part of "the data did not change".
 */
const BOOKKEEPING = new Set(["job_leases", "digest_nonces"]);

/** Counts rows of every table: a cheap fingerprint to show that a refused request changed nothing. */
export function tableCounts(deps: { db: ProvisionDeps["db"] }): Record<string, number> {
  const tables = (
    deps.db.$client.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as { name: string }[]
  ).filter((t) => !BOOKKEEPING.has(t.name));
  return Object.fromEntries(
    tables.map((t) => [t.name, (deps.db.$client.prepare(`select count(*) as n from "${t.name}"`).get() as { n: number }).n]),
  );
}

/** Full dump of the database content, for "nothing changed" assertions. */
export function dumpDb(deps: { db: ProvisionDeps["db"] }): string {
  const tables = Object.keys(tableCounts(deps)).sort();
  // A token's last-use stamp is bookkeeping of the authentication itself (rewritten at most once a
  // minute, so a slow test run would see it move): it is left out of "the data did not change".
  const rows = (t: string) => {
    const all = deps.db.$client.prepare(`select * from "${t}" order by rowid`).all() as Record<string, unknown>[];
    return t === "api_tokens" ? all.map((r) => ({ ...r, last_used_at: null })) : all;
  };
  return JSON.stringify(tables.map((t) => [t, rows(t)]));
}

/** `fn(rt)`, then `rt.close()`: once its promise has settled when `fn` is asynchronous (a service on the asynchronous handle). */
export function closingAfter<R extends { close(): void }, T>(rt: R, fn: (rt: R) => T): T {
  let result: T;
  try {
    result = fn(rt);
  } catch (err) {
    rt.close();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => rt.close()) as T;
  rt.close();
  return result;
}
