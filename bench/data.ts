/**
 * The asynchronous data handle on SQLite and on PostgreSQL, side by side in one run: what a read,
 * an admin write transaction, a Digest replay count and a pass lease cost on each, one at a time and
 * with several at once. It measures the handle and the database, not HTTP (bench:storm and
 * bench:boot measure requests; they run on SQLite only until the request path is on the handle,
 * docs/scale-out.md#status). PostgreSQL is the server named by PHONEHOME_TEST_DATABASE_URL, or a
 * throw-away cluster on loopback (the Debian package postgresql), as in the tests.
 *
 *   npm run bench:data -- [--ops 2000] [--concurrency 16]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Data } from "../src/db/data.ts";
import { openPgData } from "../src/db/data-pg.ts";
import { openSqliteData } from "../src/db/data-sqlite.ts";
import { takeLease } from "../src/db/leases.ts";
import { migratePostgres } from "../src/db/migrations.ts";
import { openDb } from "../src/db/client.ts";
import { sharedNonceScope } from "../src/http/nonce-counts-table.ts";
import { withActor } from "../src/services/actor.ts";
import { setNumberingPlan } from "../src/services/numbering.ts";
import { loadTenant } from "../src/services/tenants.ts";
import { createSecretBox } from "../src/secrets.ts";
import { convertedDeps, TEST_CONFIG } from "../test/helpers/data-dialects.ts";
import { startTestPostgres } from "../test/helpers/postgres-server.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const OPS = arg("ops", 2000);
const CONCURRENCY = arg("concurrency", 16);
const TENANT = "bench.example";
const tenantName = (i: number) => (i === 0 ? TENANT : `t${i}.${TENANT}`);

/**
 * Runs `op(i, worker)` for i in 0..n-1 with `width` workers at once: operations per second, and
 * how many failed (a transaction PostgreSQL gave up on after its retries, docs/scale-out.md#transactions).
 */
async function rate(n: number, width: number, op: (i: number, worker: number) => Promise<unknown>): Promise<Rate> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async (_, worker) => {
      while (next < n) await op(next++, worker).catch(() => failed++);
    }),
  );
  return { perSecond: n / ((performance.now() - started) / 1000), failed };
}

interface Rate {
  readonly perSecond: number;
  readonly failed: number;
}

interface Row {
  readonly what: string;
  readonly width: number;
  readonly run: (data: Data, width: number) => Promise<Rate>;
}

const secrets = createSecretBox(Buffer.alloc(32, 7));
let nonceBase = 0;
const ROWS: Row[] = [
  { what: "read: a tenant by name", width: 1, run: (data, w) => rate(OPS, w, () => data.read((q) => loadTenant(q, TENANT))) },
  {
    // Each of the writers at once changes its own tenant (admins of several tenants): the figure is
    // throughput. Writers of one row conflict on PostgreSQL and are retried (docs/scale-out.md#transactions).
    what: "write: a tenant's numbering plan (reads, upsert, audit)",
    width: 1,
    run: (data, w) => {
      const deps = convertedDeps(data);
      return rate(OPS / 4, w, (i, worker) => withActor("cli", () => setNumberingPlan(deps, tenantName(worker), { restricted: [{ from: 600, to: 600 + (i % 50), purpose: "bench" }], recommended: [] })));
    },
  },
  {
    what: "Digest replay count (one upsert)",
    width: 1,
    run: (data, w) => {
      const counts = sharedNonceScope(data, secrets).counts;
      const base = (nonceBase += OPS);
      return rate(OPS, w, async (i) => counts.advance(`n${base + i}`, 1, Date.now() + 300_000, Date.now()));
    },
  },
  { what: "pass lease: renew", width: 1, run: (data, w) => rate(OPS, w, () => takeLease(data, "bench", Date.now(), 3000, "bench-node")) },
];

async function seed(data: Data): Promise<void> {
  await data.write(async (q) => {
    const names = Array.from({ length: Math.max(1, CONCURRENCY) }, (_, i) => tenantName(i));
    await q.db.insert(q.t.tenants).values(names.map((name) => ({ name, sipDomain: name, sipServerHost: `pbx.${name}`, createdAt: 0, updatedAt: 0 })));
  });
}

const dir = mkdtempSync(join(tmpdir(), "phonehome-bench-data-"));
const postgres = await startTestPostgres();
try {
  const file = join(dir, "phonehome.db");
  openDb(file).$client.close(); // the real migrations
  const sqlite = openSqliteData(file, { lockTimeoutMs: TEST_CONFIG.dbLockTimeoutMs });
  const url = await postgres.createDatabase();
  await migratePostgres(url, TEST_CONFIG);
  const pgData = await openPgData(url, TEST_CONFIG);
  await seed(sqlite);
  await seed(pgData);
  console.log(`the data handle: ${OPS} operations each (writes: ${OPS / 4}); SQLite file (WAL) and PostgreSQL on loopback, pool ${TEST_CONFIG.databasePoolSize}`);
  console.log(`${"operation".padEnd(56)}${"at once".padStart(8)}${"SQLite op/s".padStart(13)}${"PostgreSQL op/s".padStart(17)}${"PG / SQLite".padStart(13)}  failed (SQLite, PG)`);
  for (const row of ROWS) {
    for (const width of [row.width, CONCURRENCY]) {
      const s = await row.run(sqlite, width);
      const p = await row.run(pgData, width);
      const cells = [String(width).padStart(8), s.perSecond.toFixed(0).padStart(13), p.perSecond.toFixed(0).padStart(17), `${(p.perSecond / s.perSecond).toFixed(2)}x`.padStart(13)];
      console.log(`${row.what.padEnd(56)}${cells.join("")}  ${s.failed}, ${p.failed}`);
    }
  }
  await sqlite.close();
  await pgData.close();
} finally {
  await postgres.close();
  rmSync(dir, { recursive: true, force: true });
}
