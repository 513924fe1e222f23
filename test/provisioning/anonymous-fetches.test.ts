import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchRecorder, type FetchRecord } from "../../src/provisioning/fetch-recorder.ts";
import { pruneAudit } from "../../src/services/security-events.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";
import { createTestDeps } from "../helpers/test-deps.ts";

let s: DemoServer;

beforeAll(async () => {
  s = await startDemoServer({ authFailMaxDelayMs: 0, fetchLogFlushMs: 5 });
});
afterAll(async () => s.close());

function scan(count: number, source: string): Promise<number[]> {
  const urls = Array.from({ length: count }, () => `${s.phoneUrl}/805ec0${randomBytes(3).toString("hex")}.cfg`);
  const file = join(s.config.dataDir, `scan-${source}.txt`);
  writeFileSync(file, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(""));
  return new Promise((resolve, reject) =>
    execFile("curl", ["-s", "--interface", source, "--digest", "-u", "admin:admin", "-w", "%{http_code}\\n", "-K", file], { maxBuffer: 1 << 20 }, (err, stdout) =>
      err && !stdout ? reject(err) : resolve(stdout.trim().split("\n").map(Number)),
    ),
  );
}

type Row = { source_ip: string; outcome: string; count: number; anon_key: string | null; mac: string | null };
const rowsFrom = (source: string) =>
  s.withRuntime((rt) => rt.db.$client.prepare("select source_ip, outcome, count, anon_key, mac from fetch_log where source_ip = ?").all(source) as Row[]);

describe("unauthenticated traffic in fetch_log", () => {
  it("a scan of 400 unknown MACs from one address is counted in a few rows, and is still blocked", async () => {
    const codes = await scan(400, "127.0.0.9");
    expect(codes).toHaveLength(400);
    expect(codes).toContain(429); // the enumeration guard still works
    expect(codes.filter((c) => c === 200)).toHaveLength(0);
    s.server.runtime.recorder.flush();
    const rows = rowsFrom("127.0.0.9");
    // One row per minute and outcome (401 challenge, 401 failure, 429): at most two minutes of each.
    expect(rows.length).toBeLessThanOrEqual(6);
    // curl --digest sends each URL twice (bare, then answered) until blocked; a 429 is one request.
    const requests = codes.filter((c) => c === 401).length * 2 + codes.filter((c) => c === 429).length;
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(requests);
    expect(rows.every((r) => r.anon_key !== null && r.mac === null)).toBe(true);
  });

  it("a phone's authenticated fetch still gets a row of its own", async () => {
    const d = s.demo.find((x) => x.mac === "805ec0000101")!;
    for (let i = 0; i < 3; i++) {
      expect((await curl(["--interface", "127.0.0.10", "--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${d.mac}.cfg`])).status).toBe(200);
    }
    s.server.runtime.recorder.flush();
    const served = rowsFrom("127.0.0.10").filter((r) => r.outcome === "served");
    expect(served).toHaveLength(3);
    expect(served.every((r) => r.anon_key === null && r.count === 1 && r.mac === d.mac)).toBe(true);
  });
});

function anonymous(at: number, sourceIp: string): FetchRecord {
  return { at, transport: "http", sourceIp, fileName: `805ec0${randomBytes(3).toString("hex")}.cfg`, mac: null, deviceId: null, tenantId: null, userAgent: null, outcome: "unauthorized", status: 401, authMethod: null, configHash: null, bytes: null };
}

describe("bounds", () => {
  it("many sources in one minute add at most anonymousFetchRowsPerMinute rows, the rest counted under source *", () => {
    const deps = createTestDeps();
    try {
      const recorder = new FetchRecorder(deps.db, 10, 10_000, (err) => { throw err; }, 10);
      const at = Date.UTC(2026, 0, 1, 12, 0, 5);
      for (let i = 0; i < 300; i++) recorder.record(anonymous(at + i, `198.51.${100 + Math.floor(i / 250)}.${i % 250}`));
      recorder.flush();
      const rows = deps.db.$client.prepare("select source_ip, count from fetch_log").all() as { source_ip: string; count: number }[];
      expect(rows).toHaveLength(11);
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(300);
      expect(rows.find((r) => r.source_ip === "*")!.count).toBe(290);
    } finally {
      deps.close();
    }
  });

  it("anonymous rows are deleted after anonymousRetentionDays, authenticated ones kept for auditRetentionDays", async () => {
    let now = Date.UTC(2026, 0, 1);
    const deps = { ...createTestDeps(), clock: () => new Date(now) };
    try {
      const recorder = new FetchRecorder(deps.db, 10, 10_000, (err) => { throw err; });
      recorder.record(anonymous(now, "198.51.100.1"));
      recorder.record({ ...anonymous(now, "198.51.100.2"), deviceId: 1, mac: "805ec0000101", outcome: "served", status: 200, authMethod: "digest" });
      recorder.flush();
      now += 8 * 86_400_000;
      expect(await pruneAudit(deps, 365, 7)).toEqual({ audit: 0, fetches: 1 });
      const left = deps.db.$client.prepare("select source_ip from fetch_log").all() as { source_ip: string }[];
      expect(left).toEqual([{ source_ip: "198.51.100.2" }]);
    } finally {
      deps.close();
    }
  });
});
