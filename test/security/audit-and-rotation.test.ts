import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo, type DemoDevice } from "../../src/demo.ts";
import { createRuntime } from "../../src/runtime.ts";
import { createKeyRingBox, retiredKeysPath } from "../../src/secret-key-ring.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { pruneAudit } from "../../src/services/security-events.ts";
import { sealedColumns } from "../../src/services/key-rotation.ts";
import { createToken } from "../../src/services/tokens.ts";
import { curl } from "../helpers/curl.ts";
import { tempConfig } from "../helpers/test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const env = tempConfig({ fetchLogFlushMs: 5 });
const cfg = env.config;
const logFile = join(cfg.dataDir, "server.log");
let server: RunningServer;
let demo: DemoDevice[];
let token: string;
let phoneBase: string;
let api: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [BIN, ...args, "--data-dir", cfg.dataDir], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function fetchAllDemoFiles(): Promise<void> {
  for (const d of demo) {
    for (const file of d.files) {
      const r = await curl(["--digest", "-u", `${d.username}:${d.password}`, `${phoneBase}/${file}`]);
      expect(r.status, `${d.mac} ${file}`).toBe(200);
    }
  }
  server.runtime.recorder.flush();
}

beforeAll(async () => {
  const rt = createRuntime(cfg, pino({ level: "silent" }));
  demo = await loadDemo(rt);
  token = (await createToken(rt, "admin", "alice")).token;
  rt.close();
  // The server logs at debug level into a file, as an operator would capture it.
  server = await startServer({ ...cfg, logLevel: "trace" }, pino({ level: "trace" }, pino.destination({ dest: logFile, sync: true })));
  phoneBase = `http://127.0.0.1:${server.httpPort}`;
  api = `http://127.0.0.1:${server.apiPort}/api/v1`;
});

afterAll(async () => {
  await server.close();
  env.cleanup();
});

describe("audit trail", () => {
  it("records admin changes with the token's name as actor and secrets masked", async () => {
    expect((await call("PATCH", "/tenants/demo.example/extensions/101", { displayName: "Zoe A" })).status).toBe(200);
    expect((await call("POST", "/tenants/demo.example/extensions/101/reset-password")).status).toBe(200);
    const r = await call("GET", "/audit?extension=101&type=admin");
    expect(r.status).toBe(200);
    const [reset, update] = r.body.events;
    expect(reset).toMatchObject({ type: "admin", actor: "token:alice", action: "extension.reset_password", target: "extension:demo.example/101" });
    expect(update).toMatchObject({ actor: "token:alice", action: "extension.update", before: { displayName: "Zoë Ångström", sipPasswordEnc: "***" }, after: { displayName: "Zoe A" } });
  });

  it("records who fetched which file holding which credentials, how", async () => {
    await fetchAllDemoFiles();
    const r = await call("GET", "/audit?type=fetch&extension=104");
    const events = r.body.events as Record<string, unknown>[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.mac === "805ec0000104")).toBe(true);
    expect(events.find((e) => e.action === "fetch.served" && e.target === "file:805ec0000104.cfg")).toMatchObject({
      actor: "source:127.0.0.1",
      transport: "http",
      authMethod: "digest",
      authUser: "805ec0000104",
      credentials: ["104", "101"],
    });
  });

  it("filters by MAC, actor and time range; refuses a bad filter with a clear message", async () => {
    const byMac = await call("GET", "/audit?mac=80:5e:c0:00:01:01");
    expect(byMac.body.events.length).toBeGreaterThan(0);
    expect(byMac.body.events.every((e: { mac: string }) => e.mac === "805ec0000101")).toBe(true);
    expect((await call("GET", "/audit?actor=token:nobody")).body.events).toEqual([]);
    expect((await call("GET", "/audit?until=2000-01-01T00:00:00Z")).body.events).toEqual([]);
    const bad = await call("GET", "/audit?since=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/since: must be an ISO 8601 time/);
  });

  it("is shown by the CLI, and CLI changes are audited as `cli`", async () => {
    expect((await cli(["token", "create", "--role", "readonly", "--name", "bob"])).code).toBe(0);
    const r = await cli(["audit", "--actor", "cli"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\tcli\ttoken\.create\ttoken:\d+\tok/);
    const fetches = await cli(["audit", "--type", "fetch", "--mac", "c074ad000103", "--limit", "5"]);
    expect(fetches.stdout).toMatch(/source:127\.0\.0\.1\tfetch\.served\tfile:cfgc074ad000103\.xml\thttp 200\tdigest user=c074ad000103/);
  });

  it("gives admins a device's config-file password once its tenant encrypts configs", async () => {
    expect((await call("GET", "/devices/c074ad000103/config-key")).status).toBe(409);
    expect((await call("GET", "/devices/805ec0000101/config-key")).body.error.message).toMatch(/yealink configs are not encrypted/);
    expect((await call("PATCH", "/tenants/demo.example", { configEncryption: true })).status).toBe(200);
    const r = await call("GET", "/devices/c074ad000103/config-key");
    expect(r.body).toEqual({ mac: "c074ad000103", configFilePassword: expect.stringMatching(/^[A-Za-z0-9]{32}$/) });
    expect((await call("PATCH", "/tenants/demo.example", { configEncryption: false })).status).toBe(200);
  });

  it("deletes rows older than the retention", async () => {
    const rt = createRuntime(cfg, pino({ level: "silent" }), () => new Date(Date.now() + 400 * 86_400_000));
    const n = await pruneAudit(rt, 365).finally(() => rt.close());
    expect(n.audit).toBeGreaterThan(0);
    expect(n.fetches).toBeGreaterThan(0);
  });
});

describe("secret key rotation", () => {
  it("rotates with one command while the server keeps serving; every row is re-encrypted", async () => {
    const before = createKeyRingBox(cfg.secretKeyFile).keyId;
    const r = await cli(["secrets", "rotate"]);
    expect(r.code, r.stderr).toBe(0);
    const after = createKeyRingBox(cfg.secretKeyFile).keyId;
    expect(after).not.toBe(before);
    expect(r.stdout).toMatch(new RegExp(`secret key ${before} -> ${after}: \\d+ value\\(s\\) re-encrypted`));
    // The running server, started with the old key, reads rows sealed with the new one.
    await fetchAllDemoFiles();
    // And seals new secrets with the new key.
    expect((await call("POST", "/tenants/demo.example/extensions", { number: "150", displayName: "New" })).status).toBe(201);
    const rt = createRuntime(cfg, pino({ level: "silent" }));
    const ids = new Set<string>();
    for (const { table, column } of sealedColumns(rt.db)) {
      for (const row of rt.db.$client.prepare(`select "${column}" as v from "${table}" where "${column}" is not null`).all() as { v: string }[]) ids.add(row.v.split(".")[1]!);
    }
    rt.close();
    expect([...ids]).toEqual([after]);
    expect(readFileSync(retiredKeysPath(cfg.secretKeyFile), "utf8").trim().split("\n")).toHaveLength(1);
    expect(statSync(cfg.secretKeyFile).mode & 0o777).toBe(0o600);
  });
});

describe("no SIP password in plain text", () => {
  it("appears in no file of the data directory and not in the server's log", async () => {
    const r = await call("GET", "/tenants/demo.example/extensions");
    const secrets: string[] = r.body.extensions.map((e: { sipPassword: string }) => e.sipPassword);
    secrets.push(...demo.map((d) => d.password));
    expect(secrets.length).toBeGreaterThan(4);
    await fetchAllDemoFiles();
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    walk(cfg.dataDir);
    files.push(logFile);
    expect(files.some((f) => f.endsWith("phonehome.db-wal") || f.endsWith("phonehome.db"))).toBe(true);
    expect(readFileSync(logFile, "utf8")).toMatch(/phone fetch/);
    for (const f of files) {
      const content = readFileSync(f).toString("latin1");
      for (const s of secrets) expect(content.includes(s), `${s} in ${f}`).toBe(false);
    }
  });
});
