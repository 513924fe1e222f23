import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

/**
 * The extension CSV import in the server's import worker, with a Kamailio database configured: the
 * worker's own `Data` has the file attached, so the subscriber rows of the extensions it creates
 * commit with the import (and a dry run writes none). SQLite only: on PostgreSQL there is no
 * Kamailio file to attach (docs/scale-out.md#status).
 */
const T = "/tenants/acme.example";
const dir = mkdtempSync(join(tmpdir(), "phonehome-ext-kamailio-"));
const kamailioDb = join(dir, "kamailio.db");
let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient({ kamailioDb }, { roles: ["admin"] });
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

function subscribers(): { username: string; domain: string }[] {
  const db = new Database(kamailioDb, { readonly: true });
  try {
    return db.prepare("SELECT username, domain FROM subscriber ORDER BY username").all() as never;
  } finally {
    db.close();
  }
}

const file = ["number,display_name,sip_user,auth_user", "201,Ana Lima,,", "202,Rui Sousa,rui,rui-auth"].join("\n");

describe("extensions by CSV with a Kamailio database", () => {
  it("writes the subscriber rows of the extensions an import creates, and none for a dry run", async () => {
    const dry = await c.call("POST", `${T}/extension-imports?dryRun=1`, file, "admin", "text/csv");
    expect(dry.status).toBe(200);
    expect(subscribers()).toEqual([]);
    const res = await c.call("POST", `${T}/extension-imports`, file, "admin", "text/csv");
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ accepted: true, created: 2 });
    expect(subscribers()).toEqual([
      { username: "201", domain: "acme.example" },
      { username: "rui-auth", domain: "acme.example" },
    ]);
  });
});
