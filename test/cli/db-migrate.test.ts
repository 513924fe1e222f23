import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { journal, PG_MIGRATIONS_DIR } from "../../src/db/migrations.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { tempConfig } from "../helpers/test-deps.ts";

const postgres = usePostgres();
const { config, cleanup } = tempConfig();
afterAll(cleanup);
const { run } = cliRunner(config);

async function appliedHashes(url: string): Promise<{ hash: string; created_at: string }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ hash: string; created_at: string }>("select hash, created_at::text from drizzle.__drizzle_migrations order by id")).rows;
  } finally {
    await c.end();
  }
}

describe("phonehome db migrate", () => {
  it("two nodes migrating one fresh PostgreSQL database at once: both exit 0, each migration applied once", async () => {
    const url = await postgres.createDatabase();
    const [a, b] = await Promise.all([run(["db", "migrate", "--database-url", url]), run(["db", "migrate", "--database-url", url])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
    const tags = journal(PG_MIGRATIONS_DIR).map((e) => e.tag);
    // One of them applied everything and said so; the other waited for the lock and found nothing to do.
    const outputs = [a.stdout, b.stdout].sort((x, y) => y.length - x.length);
    expect(outputs[0]).toBe(`${tags.map((t) => `applied ${t}\n`).join("")}${tags.length} migration(s) applied to ${url}\n`);
    expect(outputs[1]).toBe(`${url} is up to date: nothing to apply\n`);
    const rows = await appliedHashes(url);
    expect(rows.map((r) => Number(r.created_at))).toEqual(journal(PG_MIGRATIONS_DIR).map((e) => e.when));
    expect(new Set(rows.map((r) => r.hash)).size).toBe(rows.length);
  });

  it("takes the database from PHONEHOME_DATABASE_URL and hides its password in what it prints", async () => {
    const url = await postgres.createDatabase();
    const u = new URL(url);
    u.password = "s3cret";
    const r = await run(["db", "migrate"], { PHONEHOME_DATABASE_URL: u.toString() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`migration(s) applied to postgres://postgres:***@`);
    expect(r.stdout).not.toContain("s3cret");
  });

  it("without a database URL migrates the SQLite database of the data directory, then has nothing to do", async () => {
    const first = await run(["db", "migrate"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applied 0000_init\n/);
    expect(first.stdout).toContain(`migration(s) applied to SQLite ${config.dataDir}`);
    const again = await run(["db", "migrate"]);
    expect(again.stdout).toBe(`SQLite ${config.dataDir} is up to date: nothing to apply\n`);
  });

  it("an unreachable PostgreSQL server is a clear error, exit 2", async () => {
    const r = await run(["db", "migrate", "--database-url", "postgres://phonehome:pw@127.0.0.1:1/phonehome"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^phonehome: cannot connect to PostgreSQL at postgres:\/\/phonehome:\*\*\*@127\.0\.0\.1:1\/phonehome \(ECONNREFUSED.*check the URL/);
  });
});
