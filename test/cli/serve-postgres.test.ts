import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliRunner } from "../helpers/cli-run.ts";
import { tempConfig } from "../helpers/test-deps.ts";

const { config, cleanup } = tempConfig();
afterAll(cleanup);
const { run } = cliRunner(config);

describe("serve with databaseUrl set", () => {
  it("refuses to start, says how to prepare the database, and touches nothing", async () => {
    const r = await run(["serve", "--http-port", "0", "--api-port", "0", "--tftp-port", "0"], { PHONEHOME_DATABASE_URL: "postgres://phonehome@127.0.0.1:1/phonehome" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("serving from PostgreSQL is not available in this version; use `phonehome db migrate` and `phonehome db copy` to prepare a database");
    expect(existsSync(join(config.dataDir, "phonehome.db"))).toBe(false);
  });

  it("refuses a databaseUrl that is not a PostgreSQL URL before anything else", async () => {
    const r = await run(["serve", "--http-port", "0", "--api-port", "0", "--tftp-port", "0"], { PHONEHOME_DATABASE_URL: "mysql://127.0.0.1/phonehome" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/databaseUrl \(PHONEHOME_DATABASE_URL\): must be a PostgreSQL URL/);
  });
});
