import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("database keys", () => {
  it("leaves databaseUrl unset by default (SQLite in the data directory) with the pool and timeout defaults", () => {
    const c = loadConfig({}, {});
    expect(c.databaseUrl).toBeUndefined();
    expect([c.databasePoolSize, c.databaseConnectTimeoutMs, c.databaseStatementTimeoutMs]).toEqual([10, 5000, 30_000]);
  });

  it.each(["postgres://phonehome:pw@db.example:5432/phonehome", "postgresql://db.example/phonehome"])("accepts %s from PHONEHOME_DATABASE_URL", (url) => {
    expect(loadConfig({}, { PHONEHOME_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(["mysql://db.example/phonehome", "./data/phonehome.db", "sqlite:./data", "postgres://"])("refuses %s, saying what is accepted", (url) => {
    expect(() => loadConfig({}, { PHONEHOME_DATABASE_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({}, { PHONEHOME_DATABASE_URL: url })).toThrow(/databaseUrl \(PHONEHOME_DATABASE_URL\): must be a PostgreSQL URL .*postgres:\/\/ or postgresql:\/\//);
  });

  it("takes the pool size 1-100 and refuses values outside", () => {
    expect(loadConfig({}, { PHONEHOME_DATABASE_POOL_SIZE: "100" }).databasePoolSize).toBe(100);
    expect(() => loadConfig({}, { PHONEHOME_DATABASE_POOL_SIZE: "0" })).toThrow(/databasePoolSize \(PHONEHOME_DATABASE_POOL_SIZE\)/);
    expect(() => loadConfig({}, { PHONEHOME_DATABASE_POOL_SIZE: "101" })).toThrow(/databasePoolSize/);
  });

  it("takes the timeouts from their variables", () => {
    const c = loadConfig({}, { PHONEHOME_DATABASE_CONNECT_TIMEOUT_MS: "2500", PHONEHOME_DATABASE_STATEMENT_TIMEOUT_MS: "0" });
    expect([c.databaseConnectTimeoutMs, c.databaseStatementTimeoutMs]).toEqual([2500, 0]);
    expect(() => loadConfig({}, { PHONEHOME_DATABASE_CONNECT_TIMEOUT_MS: "10" })).toThrow(/databaseConnectTimeoutMs/);
  });
});
