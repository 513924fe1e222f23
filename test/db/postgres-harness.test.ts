import pg from "pg";
import { describe, expect, it } from "vitest";
import { startTestPostgres } from "../helpers/postgres.ts";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("test PostgreSQL harness", () => {
  it("gives each call a distinct empty database, and nothing answers after close()", async () => {
    const server = await startTestPostgres();
    let url = "";
    try {
      url = await server.createDatabase();
      const other = await server.createDatabase();
      expect(other).not.toBe(url);
      expect(new URL(url).hostname).toBe("127.0.0.1");
      const tables = await query(url, "select table_name from information_schema.tables where table_schema = 'public'");
      expect(tables).toEqual([]);
      await query(url, "create table t (id int)");
      expect(await query(other, "select table_name from information_schema.tables where table_schema = 'public'")).toEqual([]);
    } finally {
      await server.close();
    }
    const after = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    // CI's shared server outlives close(), but the database is dropped; a local cluster is gone.
    await expect(after.connect()).rejects.toThrow();
    await after.end().catch(() => undefined);
  });
});
