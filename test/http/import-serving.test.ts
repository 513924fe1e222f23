import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevice } from "../../src/services/devices.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { writeLockHeld } from "../helpers/write-lock.ts";

/**
 * A CSV import must not freeze the server (issue 11 item 4): before, the write phase ran on the
 * event loop, and no phone was answered until the transaction committed. This test proves the order
 * of events, not a speed: a phone fetch sent while the import's write transaction holds the
 * database's write lock is answered before that lock is released, i.e. while the import is running.
 */
const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";
const ROWS = 10_000;
const PHONE = "805ec0ee0001";

let c: AdminClient;
let probe: Database.Database;

beforeAll(async () => {
  c = await startAdminClient({ importMaxRows: ROWS }, {
    prepare: async (rt) => {
      await createTenant(rt, TenantInput.parse({ sipDomain: "acme.example", sipServerHost: "pbx.acme.example", authMode: "network", allowedNetworks: ["127.0.0.0/8"] }));
      await createExtension(rt, "acme.example", ExtensionInput.parse({ number: "101", displayName: "Reception" }));
      await createDevice(rt, { mac: PHONE, vendor: "yealink", model: "T54W", tenant: "acme.example", label: null });
    },
  });
  // A connection of the test's own: BEGIN IMMEDIATE without waiting tells whether someone holds the write lock.
  probe = new Database(join(c.config.dataDir, "phonehome.db"), { timeout: 0 });
});
afterAll(async () => {
  probe?.close();
  await c?.close();
});

const lockHeld = () => writeLockHeld(probe);

const file = (rows: number, from = 0) =>
  `${HEADER}\n${Array.from({ length: rows }, (_, i) => `805ec0ef${(from + i).toString(16).padStart(4, "0")},,T54W,acme.example,101,Desk ${i},`).join("\n")}\n`;

describe("a CSV import runs off the event loop", () => {
  it("phones are answered while the import's write transaction is open", async () => {
    let finished = false;
    const upload = c.call("POST", "/imports?fileName=big.csv", file(ROWS), "technician", "text/csv").finally(() => (finished = true));
    let answeredDuringWrite = 0;
    let fetches = 0;
    while (!finished) {
      if (lockHeld()) {
        const r = await fetch(`${c.phoneUrl}/${PHONE}.cfg`);
        fetches++;
        expect(r.status).toBe(200);
        expect(await r.text()).toContain("phonehome");
        // Still locked after the answer: the phone was served inside the import's transaction.
        if (lockHeld() && !finished) answeredDuringWrite++;
      } else {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    const r = await upload;
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accepted: true, rows: ROWS, created: ROWS });
    expect(fetches).toBeGreaterThan(0);
    expect(answeredDuringWrite).toBeGreaterThan(0);
    const audit = await c.call("GET", "/audit?actor=token:technician&type=admin");
    expect(audit.json.events).toContainEqual(expect.objectContaining({ action: "devices.import", target: `import:${r.json.batchId}` }));
  });

  it("refuses a file past importMaxRows with 413 naming the limit and the key, writing nothing", async () => {
    await c.call("GET", "/imports", undefined, "technician"); // the token's last use is recorded first
    c.server.runtime.recorder.flush(); // and the fetch-log rows of the phones above are written
    const before = c.snapshot();
    const r = await c.call("POST", "/imports", file(ROWS + 1, 30_000), "technician", "text/csv");
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/more than 10000 rows.*importMaxRows, env PHONEHOME_IMPORT_MAX_ROWS/);
    expect(c.snapshot()).toBe(before);
  });

  it("a second import while one runs is refused, and the first still commits", async () => {
    let finished = false;
    const first = c.call("POST", "/imports", file(10_000, 50_000), "admin", "text/csv").finally(() => (finished = true));
    while (!finished && !lockHeld()) await new Promise((r) => setTimeout(r, 2));
    expect(finished).toBe(false);
    const second = await c.call("POST", "/imports", file(1, 60_000), "admin", "text/csv");
    expect(second.status).toBe(503);
    expect(second.json.error).toMatchObject({ code: "import_running", message: expect.stringMatching(/another CSV import is running/) });
    expect((await first).json).toMatchObject({ accepted: true, created: 10_000 });
  });
});
