import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";

// Onboarding status per batch (docs/onboarding.md) meets registration tracking (docs/pbx.md).
let c: AdminClient;
const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";

beforeAll(async () => {
  c = await startAdminClient({ fetchLogFlushMs: 10 }, { roles: ["admin", "technician", "registrar"] });
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
});

afterAll(async () => c.close());

/** Writes the fetch recorder's batch (the fetch log, the discovery inbox, last-seen). */
const settle = async () => c.server.runtime.recorder.flush();

async function phoneFetch(mac: string) {
  const pw = (await c.call("GET", `/devices/${mac}`)).json.provisioningPassword;
  return curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${mac}`, "--digest", "-u", `${mac}:${pw}`, `${c.phoneUrl}/${mac}.cfg`]);
}

describe("batch status and registrations", () => {
  it("shows which phones of a batch are registered, from the registrar webhook", async () => {
    for (const number of ["201", "202", "203"]) await c.call("POST", "/tenants/acme.example/extensions", { number, displayName: `User ${number}` });
    const site = [HEADER, "805ec0dd0001,,T54W,acme.example,201,,", "805ec0dd0002,,T54W,acme.example,202,,", "805ec0dd0003,,T46U,acme.example,203,,"].join("\n");
    const r = await c.call("POST", "/imports?fileName=floor2.csv", site, "technician", "text/csv");
    expect(r.status).toBe(201);
    for (const mac of ["805ec0dd0001", "805ec0dd0002"]) expect((await phoneFetch(mac)).status).toBe(200);
    await settle();
    const event = (event: string) => ({ aor: "sip:201@acme.example", contact: "sip:201@127.0.0.1:5062", source: "127.0.0.1:5062", expires: 3600, event });
    expect((await c.call("POST", "/registrations/events", event("registered"), "registrar")).status).toBe(200);
    const status = () => c.call("GET", `/imports/${r.json.batchId}`, undefined, "technician");
    const s = await status();
    expect(s.json.summary).toEqual({ fetched: 2, refused: 0, never: 1, registered: 1 });
    expect(s.json.devices.map((d: any) => [d.mac, d.state, d.registered])).toEqual([
      ["805ec0dd0001", "fetched", true],
      ["805ec0dd0002", "fetched", false],
      ["805ec0dd0003", "never", false],
    ]);
    const only = await c.call("GET", `/imports/${r.json.batchId}?state=registered`, undefined, "technician");
    expect(only.json.devices.map((d: any) => d.mac)).toEqual(["805ec0dd0001"]);
    expect((await c.call("POST", "/registrations/events", event("unregistered"), "registrar")).status).toBe(200);
    expect((await status()).json.summary.registered).toBe(0);
    const bad = await c.call("GET", `/imports/${r.json.batchId}?state=online`, undefined, "technician");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/state: must be one of fetched, refused, never, registered/);
  });
});
