import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";

// Zero-touch first contact (src/provisioning/bootstrap.ts), with curl as the phone.
let c: AdminClient;
beforeAll(async () => {
  c = await startAdminClient({ fetchLogFlushMs: 5 });
  await c.call("POST", "/tenants", { sipDomain: "on.example", sipServerHost: "pbx.on.example" });
  await c.call("POST", "/tenants", { sipDomain: "off.example", sipServerHost: "pbx.off.example", zeroTouch: false });
  for (const t of ["on.example", "off.example"]) await c.call("POST", `/tenants/${t}/extensions`, { number: "201", displayName: "Desk" });
});
afterAll(async () => c.close());

/** Writes the fetch recorder's batch (the fetch log, the discovery inbox, last-seen). */
const settle = async () => c.server.runtime.recorder.flush();
const ua = (mac: string) => `Yealink SIP-T54W 96.86.0.100 ${mac}`;
/** A bare fetch, as a phone without credentials makes it; `from` picks the loopback source address. */
const bare = (mac: string, from = "127.0.0.1") => curl(["--interface", from, "-A", ua(mac), `http://127.0.0.1:${c.server.httpPort}/${mac}.cfg`]);
const audits = async (mac: string) => (await c.call("GET", `/audit?mac=${mac}`)).json.events.filter((e: any) => e.type === "admin").map((e: any) => e.action);

async function claim(mac: string, tenant: string) {
  await bare(mac);
  await settle();
  const r = await c.call("POST", "/discovered-devices/claim", { mac, tenant, lines: ["201"] }, "technician");
  expect(r.status).toBe(201);
}

describe("zero-touch first contact", () => {
  it("serves a claimed phone its credentials once, without Digest, then wants Digest", async () => {
    const mac = "805ec0dd0001";
    await claim(mac, "on.example");
    const first = await bare(mac);
    expect(first.status).toBe(200);
    const device = (await c.call("GET", `/devices/${mac}`)).json;
    expect(first.body).toContain(`static.auto_provision.server.username = ${device.provisioningUsername}`);
    expect(first.body).toContain(`static.auto_provision.server.password = ${device.provisioningPassword}`);
    // The window closed when the credentials went out.
    expect((await bare(mac)).status).toBe(401);
    const digest = await curl(["--digest", "-u", `${device.provisioningUsername}:${device.provisioningPassword}`, `${c.phoneUrl}/${mac}.cfg`]);
    expect(digest.status).toBe(200);
    await settle();
    expect(await audits(mac)).toContain("device.bootstrap_delivered");
  });

  it("serves the files before the one with credentials and keeps the window open for it", async () => {
    const mac = "805ec0dd0002";
    await claim(mac, "on.example");
    const boot = await curl(["-A", ua(mac), `${c.phoneUrl}/${mac}.boot`]);
    expect(boot.status).toBe(200);
    expect((await bare(mac)).status).toBe(200);
    expect((await bare(mac)).status).toBe(401);
  });

  it("does not serve another address, and not after the window expired", async () => {
    const mac = "805ec0dd0003";
    await claim(mac, "on.example");
    expect((await bare(mac, "127.0.0.2")).status).toBe(401);
    c.withRuntime((rt) => rt.db.$client.prepare("update bootstrap_windows set expires_at = ? where device_id = (select id from devices where mac = ?)").run(Date.now() - 1, mac));
    expect((await bare(mac)).status).toBe(401);
  });

  it("keeps a tenant with zeroTouch off on Digest from the first fetch", async () => {
    const mac = "805ec0dd0004";
    await claim(mac, "off.example");
    expect((await bare(mac)).status).toBe(401);
    const count = c.withRuntime((rt) => (rt.db.$client.prepare("select count(*) as n from bootstrap_windows").get() as { n: number }).n);
    expect(count).toBe(3);
  });

  it("opens a window for a phone imported before it called in, bound to its last address", async () => {
    const mac = "805ec0dd0005";
    expect((await c.call("POST", "/devices", { mac, model: "T54W", tenant: "on.example" })).status).toBe(201);
    const early = await c.call("POST", `/devices/${mac}/bootstrap`, undefined, "technician");
    expect(early.status).toBe(409);
    expect(early.json.error.message).toMatch(/has not called in over HTTP yet/);
    expect((await bare(mac, "127.0.0.3")).status).toBe(401);
    const r = await c.call("POST", `/devices/${mac}/bootstrap`, undefined, "technician");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ mac, sourceIp: "127.0.0.3" });
    expect(r.text).not.toMatch(/password/i);
    expect((await bare(mac, "127.0.0.1")).status).toBe(401);
    expect((await bare(mac, "127.0.0.3")).status).toBe(200);
    const off = "805ec0dd0006";
    await c.call("POST", "/devices", { mac: off, model: "T54W", tenant: "off.example" });
    const refused = await c.call("POST", `/devices/${off}/bootstrap`, undefined, "technician");
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toMatch(/zeroTouch off/);
  });
});
