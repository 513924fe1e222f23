import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { DB_FILE } from "../../src/data-dir.ts";
import { createRuntime } from "../../src/runtime.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { createToken } from "../../src/services/tokens.ts";
import { startServerProcess, type ServerProcess } from "../helpers/server-process.ts";
import { HEADER } from "./helpers.ts";
import { writeLockHeld } from "../helpers/write-lock.ts";

/**
 * All or nothing with the import in a worker thread: the server process killed with SIGKILL while
 * the worker's write transaction is open leaves no row of the file behind.
 */
const dataDir = mkdtempSync(join(tmpdir(), "phonehome-import-crash-"));
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.kill9();
  rmSync(dataDir, { recursive: true, force: true });
});

const counts = (db: Database.Database) => ({
  devices: (db.prepare("select count(*) as n from devices").get() as { n: number }).n,
  batches: (db.prepare("select count(*) as n from import_batches").get() as { n: number }).n,
  imports: (db.prepare("select count(*) as n from audit_log where action = 'devices.import'").get() as { n: number }).n,
});

describe("kill -9 during a server-side CSV import", () => {
  it("commits nothing of the file", async () => {
    const rt = createRuntime(loadConfig({ dataDir, logLevel: "silent" }, {}), pino({ level: "silent" }));
    await createTenant(rt, TenantInput.parse({ sipDomain: "acme.example", sipServerHost: "pbx.acme.example" }));
    await createExtension(rt, "acme.example", ExtensionInput.parse({ number: "101", displayName: "Reception" }));
    const token = (await createToken(rt, "admin", "crash")).token;
    rt.close();
    const started = await startServerProcess(dataDir);
    if (!started.ok) throw new Error(started.output);
    server = started.server;
    const rows = Array.from({ length: 20_000 }, (_, i) => `805ec0cc${i.toString(16).padStart(4, "0")},,T54W,acme.example,101,,`);
    const upload = fetch(`http://127.0.0.1:${server.apiPort}/api/v1/imports`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: `${HEADER}\n${rows.join("\n")}\n`,
    }).then(
      (r) => r.status,
      () => "connection lost",
    );
    const probe = new Database(join(dataDir, DB_FILE), { timeout: 0 });
    const locked = () => writeLockHeld(probe);
    let answered: unknown = null;
    void upload.then((s) => (answered = s));
    // Wait for the import's write transaction (the only writer holding the lock for long), then kill.
    while (answered === null && !locked()) await new Promise((r) => setTimeout(r, 2));
    expect(answered).toBeNull();
    await server.kill9();
    expect(await upload).toBe("connection lost");
    probe.close();
    const db = new Database(join(dataDir, DB_FILE));
    try {
      expect(counts(db)).toEqual({ devices: 0, batches: 0, imports: 0 });
    } finally {
      db.close();
    }
  });
});
