import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";

let c: AdminClient;
const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";

beforeAll(async () => {
  c = await startAdminClient({ importBodyLimitBytes: 4096, fetchLogFlushMs: 10 });
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  for (const number of ["101", "102", "103"]) await c.call("POST", "/tenants/acme.example/extensions", { number, displayName: `User ${number}` });
});

afterAll(async () => c.close());

/** Writes the fetch recorder's batch (the fetch log, the discovery inbox, last-seen). */
const settle = async () => c.server.runtime.recorder.flush();

/** A phone fetching its file with the credentials an admin reads. */
async function phoneFetch(mac: string, password?: string) {
  const pw = password ?? (await c.call("GET", `/devices/${mac}`)).json.provisioningPassword;
  return curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${mac}`, "--digest", "-u", `${mac}:${pw}`, `${c.phoneUrl}/${mac}.cfg`]);
}

describe("CSV upload", () => {
  const file = [HEADER, "805ec0bb0001,,T54W,acme.example,101;102,Desk 1,2:blf:103", "805ec0bb0002,,T46U,acme.example,103,,"].join("\n");

  it("checks an upload as a dry run for a technician without writing", async () => {
    await c.call("GET", "/imports", undefined, "technician"); // the token's last use is recorded; then nothing else may change
    const before = c.snapshot();
    const r = await c.call("POST", "/imports?dryRun=1", file, "technician", "text/csv");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ accepted: true, dryRun: true, rows: 2, created: 2, batchId: null });
    expect(c.snapshot()).toBe(before);
  });

  it("imports an upload and reports onboarding status per batch from the fetch log", async () => {
    const r = await c.call("POST", "/imports?fileName=site.csv", file, "technician", "text/csv");
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accepted: true, created: 2, batchId: expect.any(Number) });
    expect((await phoneFetch("805ec0bb0001")).status).toBe(200);
    expect((await phoneFetch("805ec0bb0002", "wrong")).status).toBe(401);
    await settle();
    const s = await c.call("GET", `/imports/${r.json.batchId}`, undefined, "technician");
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ fileName: "site.csv", source: "csv", actor: "token:technician", summary: { fetched: 1, refused: 1, never: 0, registered: 0 } });
    expect(s.json.devices.map((d: any) => [d.mac, d.action, d.state, d.registered])).toEqual([
      ["805ec0bb0001", "created", "fetched", false],
      ["805ec0bb0002", "created", "refused", false],
    ]);
    const never = await c.call("GET", `/imports/${r.json.batchId}?state=never`, undefined, "technician");
    expect(never.json.devices).toEqual([]);
    const list = await c.call("GET", "/imports", undefined, "readonly");
    expect(list.json.imports[0]).toMatchObject({ id: r.json.batchId, rows: 2, created: 2 });
  });

  it("refuses a file with problems: 400 with row, column and reason, nothing written", async () => {
    const before = c.snapshot();
    const r = await c.call("POST", "/imports", [HEADER, "805ec0bb0003,,T54W,acme.example,199,,"].join("\n"), "technician", "text/csv");
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: "invalid_input", problemCount: 1, problems: [{ row: 2, column: "lines", reason: "extension 199 does not exist in tenant acme.example" }] });
    expect(r.json.error.message).toMatch(/row 2, column lines: extension 199/);
    expect(c.snapshot()).toBe(before);
  });

  it("refuses malformed CSV, a body that is not CSV, one over the limit, and a readonly token", async () => {
    const before = c.snapshot();
    const bad = await c.call("POST", "/imports", `${HEADER}\n805ec0bb0004,,"T54W,acme.example,101,,`, "technician", "text/csv");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/malformed CSV: a quoted field .* never closed/);
    expect((await c.call("POST", "/imports", { rows: [] }, "technician")).status).toBe(415);
    const big = await c.call("POST", "/imports", `${HEADER}\n${"805ec0bb0005,,T54W,acme.example,101,x,\n".repeat(200)}`, "technician", "text/csv");
    expect(big.status).toBe(413);
    expect(big.json.error.message).toMatch(/upload limit of 4096 bytes/);
    expect((await c.call("POST", "/imports", file, "readonly", "text/csv")).status).toBe(403);
    expect(c.snapshot()).toBe(before);
  });

  it("exports the same columns for a technician, ready to import again unchanged", async () => {
    const r = await c.call("GET", "/exports/devices.csv?tenant=acme.example", undefined, "technician");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    expect(r.headers.get("content-disposition")).toMatch(/attachment; filename="devices.csv"/);
    expect(r.text).toBe(`${HEADER}\n805ec0bb0001,yealink,T54W,acme.example,101;102,Desk 1,2:blf:103\n805ec0bb0002,yealink,T46U,acme.example,103,,\n`);
    const before = c.snapshot();
    const again = await c.call("POST", "/imports", r.text, "technician", "text/csv");
    expect(again.json).toMatchObject({ unchanged: 2, created: 0, updated: 0, batchId: null });
    expect(c.snapshot()).toBe(before);
    expect((await c.call("GET", "/exports/devices.csv?tenant=nowhere", undefined, "technician")).status).toBe(404);
  });
});

describe("claiming from the discovery inbox", () => {
  async function callIn(mac: string, model = "T54W") {
    await curl(["-A", `Yealink SIP-${model} 96.86.0.100 ${mac}`, `${c.phoneUrl}/${mac}.cfg`]);
  }

  it("claims one phone; it provisions at its next fetch", async () => {
    await callIn("805ec0cc0001");
    await settle();
    const inbox = await c.call("GET", "/discovered-devices", undefined, "technician");
    expect(inbox.json.devices.map((d: any) => d.mac)).toContain("805ec0cc0001");
    const r = await c.call("POST", "/discovered-devices/claim", { mac: "805ec0cc0001", tenant: "acme.example", lines: ["101"], label: "Lobby" }, "technician");
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ created: 1, batchId: expect.any(Number) });
    expect(r.text).not.toMatch(/password/i);
    const device = await c.call("GET", "/devices/805ec0cc0001");
    expect(device.json).toMatchObject({ model: "T54W", vendor: "yealink", label: "Lobby" });
    expect((await phoneFetch("805ec0cc0001")).status).toBe(200);
    expect((await c.call("GET", "/discovered-devices")).json.devices.map((d: any) => d.mac)).not.toContain("805ec0cc0001");
  });

  it("claims many at once, correcting a model, all or nothing", async () => {
    await callIn("805ec0cc0002", "T46U");
    await callIn("805ec0cc0003", "T46U");
    await settle();
    const before = c.snapshot();
    const refused = await c.call("POST", "/discovered-devices/claim", {
      claims: [
        { mac: "805ec0cc0002", tenant: "acme.example", lines: ["102"] },
        { mac: "805ec0cc0009", tenant: "acme.example", lines: ["102"] },
        { mac: "805ec0cc0003", tenant: "acme.example", lines: ["102"], keyLayout: "99:park" },
      ],
    }, "technician");
    expect(refused.status).toBe(400);
    expect(refused.json.error.problems).toEqual([
      { claim: 2, field: "mac", reason: "805ec0cc0009 is not in the discovery inbox" },
      { claim: 3, field: "keyLayout", reason: expect.stringMatching(/key 99: T46U has \d+ programmable key/) },
    ]);
    expect(c.snapshot()).toBe(before);
    const ok = await c.call("POST", "/discovered-devices/claim", {
      claims: [
        { mac: "805ec0cc0002", tenant: "acme.example", lines: ["102"] },
        { mac: "80:5e:c0:cc:00:03", tenant: "acme.example", model: "T48U", lines: ["103", "101"], keyLayout: "3:blf:101" },
      ],
    }, "technician");
    expect(ok.status).toBe(201);
    expect(ok.json.created).toBe(2);
    expect((await c.call("GET", "/devices/805ec0cc0003")).json).toMatchObject({ model: "T48U" });
    const again = await c.call("POST", "/discovered-devices/claim", { mac: "805ec0cc0002", tenant: "acme.example", lines: ["102"] }, "technician");
    expect(again.json.error.problems).toEqual([{ claim: 1, field: "mac", reason: expect.stringMatching(/already a device/) }]);
  });
});
