import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdWriteLock } from "../helpers/write-lock.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { BIN } from "../helpers/server-process.ts";

/**
 * Issue 11 item 11: two processes writing one database. A write that meets another process's lock
 * waits (bounded by dbLockTimeoutMs), then is refused clearly: 503 + Retry-After in the API, a
 * message and a non-zero exit in the CLI; never a 500 or an uncaught "database is locked".
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let c: AdminClient;
let dbFile = "";

beforeAll(async () => {
  c = await startAdminClient({ dbLockTimeoutMs: 1500, fetchLogFlushMs: 5 });
  dbFile = join(c.config.dataDir, "phonehome.db");
  expect((await c.call("POST", "/tenants", { sipDomain: "lock.example", sipServerHost: "pbx.lock.example" })).status).toBe(201);
  expect((await c.call("POST", "/tenants/lock.example/extensions", { number: "101", displayName: "One" })).status).toBe(201);
});
afterAll(async () => c.close());

const holdLock = () => holdWriteLock(dbFile);

function cli(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args, "--data-dir", c.config.dataDir], { env: { ...process.env, PHONEHOME_DATA_DIR: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return { child, done: new Promise((r) => child.once("exit", (code) => r({ code, stdout, stderr }))) };
}

/** True once the process has the database file open (Linux /proc): it is past start-up and at the database. */
function hasDbOpen(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === dbFile;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

describe("admin API while another process holds the write lock", () => {
  it("reads and phone-facing requests keep being answered", async () => {
    const lock = await holdLock();
    try {
      expect((await c.call("GET", "/tenants/lock.example")).status).toBe(200);
      expect((await fetch(`${c.phoneUrl}/805ec0ffff01.cfg`)).status).toBe(401);
    } finally {
      await lock.release();
    }
  });

  it("a write waits for the lock and then succeeds", async () => {
    const lock = await holdLock();
    let settled = false;
    const patch = c.call("PATCH", "/tenants/lock.example", { resyncMinutes: 77 }).finally(() => (settled = true));
    await sleep(400);
    const settledWhileLocked = settled;
    await lock.release();
    const r = await patch;
    expect(settledWhileLocked).toBe(false);
    expect(r.status).toBe(200);
    expect(r.json.resyncMinutes).toBe(77);
  });

  it("past dbLockTimeoutMs: 503 with Retry-After and a message saying what to do; nothing changed", async () => {
    const before = c.snapshot();
    const lock = await holdLock();
    try {
      const r = await c.call("PATCH", "/tenants/lock.example", { resyncMinutes: 99 });
      expect(r.status).toBe(503);
      expect(r.headers.get("retry-after")).toBe("2");
      expect(r.json.error.code).toBe("database_busy");
      expect(r.json.error.message).toMatch(/locked by another writer .* nothing was changed\. Try again when it has finished, or raise dbLockTimeoutMs/);
    } finally {
      await lock.release();
    }
    expect(c.snapshot()).toBe(before);
  });
});

describe("CLI while another process holds the write lock", () => {
  it("waits for the lock and succeeds once it is released", async () => {
    const lock = await holdLock();
    const run = cli(["token", "create", "--role", "readonly", "--name", "patient"], { PHONEHOME_DB_LOCK_TIMEOUT_MS: "120000" });
    for (let i = 0; i < 1200 && !hasDbOpen(run.child.pid!); i++) await sleep(50);
    await sleep(500);
    const exitedWhileLocked = run.child.exitCode !== null;
    await lock.release();
    const r = await run.done;
    expect(exitedWhileLocked).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ph_/);
  }, 120_000);

  it("past dbLockTimeoutMs: exits 2 with a message, no uncaught error", async () => {
    const lock = await holdLock();
    try {
      const r = await cli(["token", "create", "--role", "readonly", "--name", "impatient"], { PHONEHOME_DB_LOCK_TIMEOUT_MS: "300" }).done;
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^phonehome: the database is locked by another writer .* raise dbLockTimeoutMs\n$/);
      expect(r.stderr).not.toMatch(/SqliteError|at .*\.ts:\d+/);
    } finally {
      await lock.release();
    }
  }, 120_000);

  it("a CLI import while the server writes: the import succeeds and no admin write gets a 500", async () => {
    const file = join(c.config.dataDir, "many.csv");
    const rows = ["mac,vendor,model,tenant,lines,label,key_layout"];
    for (let n = 0; n < 20_000; n++) rows.push(`805ec01${n.toString(16).padStart(5, "0")},,T54W,lock.example,101,Desk ${n},`);
    writeFileSync(file, `${rows.join("\n")}\n`);
    const run = cli(["import", file], { PHONEHOME_DB_LOCK_TIMEOUT_MS: "60000" });
    let exited = false;
    void run.done.then(() => (exited = true));
    const statuses: number[] = [];
    for (let i = 0; !exited; i++) {
      statuses.push((await c.call("PATCH", "/tenants/lock.example/extensions/101", { displayName: `One ${i}` })).status);
      await sleep(20);
    }
    const r = await run.done;
    expect(r.code, r.stdout.slice(0, 2000) + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 20000 row\(s\): 20000 created/);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect((await c.call("GET", "/devices?tenant=lock.example")).json.devices).toHaveLength(20_000);
  }, 240_000);
});
