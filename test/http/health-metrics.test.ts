import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo, type DemoDevice } from "../../src/demo.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";
import { fetchRaw } from "../helpers/tftp.ts";
import { startTestServer } from "../helpers/test-server.ts";

let c: AdminClient;
let demo: DemoDevice[] = [];
beforeAll(async () => {
  c = await startAdminClient({ fetchLogFlushMs: 5 }, { prepare: async (rt) => void (demo = await loadDemo(rt)) });
});
afterAll(async () => c.close());

const adminUrl = () => `http://127.0.0.1:${c.server.apiPort}`;
/** The value of one sample line of the Prometheus text, 0 when absent. */
const sample = (text: string, series: string): number => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
};
const scrape = async () => {
  const r = await curl(["-H", `Authorization: Bearer ${c.tokens.readonly}`, `${adminUrl()}/metrics`]);
  expect(r.status).toBe(200);
  expect(r.headers).toMatch(/content-type: text\/plain; version=0\.0\.4/i);
  return r.body;
};

describe("health", () => {
  it("answers /healthz and /readyz on the phone and admin listeners without a token", async () => {
    for (const base of [c.phoneUrl, adminUrl()]) {
      const live = await curl([`${base}/healthz`]);
      expect(live.status).toBe(200);
      expect(JSON.parse(live.body)).toEqual({ status: "alive" });
      const ready = await curl([`${base}/readyz`]);
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({ status: "ready", checks: { database: true, migrations: true, listeners: { http: true, api: true, tftp: true } } });
    }
  });

  it("is not ready when the database's migrations are not the code's (a newer phonehome wrote it)", async () => {
    const db = c.runtime();
    try {
      const row = db.db.$client.prepare("insert into __drizzle_migrations (hash, created_at) values ('from-a-newer-version', ?)").run(Date.now());
      const r = await curl([`${adminUrl()}/readyz`]);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body)).toMatchObject({ status: "not ready", checks: { database: true, migrations: false } });
      db.db.$client.prepare("delete from __drizzle_migrations where rowid = ?").run(row.lastInsertRowid);
    } finally {
      db.close();
    }
    expect((await curl([`${adminUrl()}/readyz`])).status).toBe(200);
  });
});

describe("metrics", () => {
  it("refuses /metrics without a token", async () => {
    const r = await curl([`${adminUrl()}/metrics`]);
    expect(r.status).toBe(401);
    expect(r.body).toContain("metricsAllowedNetworks");
    expect((await curl([`${c.phoneUrl}/metrics`])).status).toBe(404);
  });

  it("counts real fetches by vendor, outcome and transport, latency, auth failures, inbox and TFTP", async () => {
    const before = await scrape();
    const d = demo.find((x) => x.vendor === "yealink")!;
    for (let i = 0; i < 3; i++) expect((await curl(["--digest", "-u", `${d.username}:${d.password}`, `${c.phoneUrl}/${d.mac}.cfg`])).status).toBe(200);
    expect((await curl(["--digest", "-u", `${d.username}:wrong`, `${c.phoneUrl}/${d.mac}.cfg`])).status).toBe(401);
    await curl(["-A", "Yealink SIP-T54W 96.86.0.100 805ec0ee0001", `${c.phoneUrl}/805ec0ee0001.cfg`]);
    const common = await fetchRaw(c.server.tftpPort!, "y000000000000.boot");
    expect(common.length).toBeGreaterThan(0);
    c.server.runtime.recorder.flush();
    const after = await scrape();
    const served = 'phonehome_fetches_total{vendor="yealink",outcome="served",transport="http"}';
    expect(sample(after, served) - sample(before, served)).toBe(3);
    const tftp = 'phonehome_fetches_total{vendor="yealink",outcome="served",transport="tftp"}';
    expect(sample(after, tftp) - sample(before, tftp)).toBe(1);
    expect(sample(after, 'phonehome_tftp_transfers_total{outcome="ok"}') - sample(before, 'phonehome_tftp_transfers_total{outcome="ok"}')).toBe(1);
    expect(sample(after, 'phonehome_auth_failures_total{kind="failed"}') - sample(before, 'phonehome_auth_failures_total{kind="failed"}')).toBe(1);
    expect(sample(after, 'phonehome_auth_failures_total{kind="challenged"}')).toBeGreaterThan(sample(before, 'phonehome_auth_failures_total{kind="challenged"}'));
    const count = 'phonehome_fetch_duration_seconds_count{transport="http"}';
    expect(sample(after, count) - sample(before, count)).toBeGreaterThanOrEqual(9);
    expect(after).toMatch(/phonehome_fetch_duration_seconds_bucket\{le="0.005",transport="http"\} \d+/);
    expect(sample(after, "phonehome_discovery_inbox_size")).toBe(1);
    for (const name of ["phonehome_force_unregisters_pending", "phonehome_bootstrap_windows_open", "phonehome_auth_blocked_total", "phonehome_unreachable_url_refusals_total", "phonehome_import_rows_total", "phonehome_registrations", "phonehome_notify_total"]) {
      expect(after, name).toContain(`# TYPE ${name}`);
    }
  });

  it("counts import rows from the database", async () => {
    const csv = "mac,vendor,model,tenant,lines,label,key_layout\n805ec0ee0101,,T54W,demo.example,101,,\n805ec0ee0102,,T46U,demo.example,102,,";
    expect((await c.call("POST", "/imports", csv, "technician", "text/csv")).status).toBe(201);
    expect(sample(await scrape(), 'phonehome_import_rows_total{source="csv"}')).toBe(2);
  });

  it("lets a configured network scrape without a token", async () => {
    const s = await startTestServer({ metricsAllowedNetworks: ["127.0.0.0/8"] });
    try {
      const r = await curl([`http://127.0.0.1:${s.server.apiPort}/metrics`]);
      expect(r.status).toBe(200);
      expect(r.body).toContain("# TYPE phonehome_fetches_total counter");
    } finally {
      await s.close();
    }
  });
});
