import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { createRuntime } from "../../src/runtime.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { createToken } from "../../src/services/tokens.ts";
import { curl } from "../helpers/curl.ts";
import { dumpDb, tempConfig } from "../helpers/test-deps.ts";

const quiet = pino({ level: "silent" });
const env = tempConfig({ importBodyLimitBytes: 4096, fetchLogFlushMs: 10 });
let server: RunningServer;
let api: string;
let phones: string;
const tokens: Record<string, string> = {};
const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";

beforeAll(async () => {
  const rt = createRuntime(env.config, quiet);
  for (const role of ["admin", "technician", "readonly"] as const) tokens[role] = createToken(rt, role, role).token;
  rt.close();
  server = await startServer(env.config, quiet);
  api = `http://127.0.0.1:${server.apiPort}/api/v1`;
  phones = `http://127.0.0.1:${server.httpPort}`;
  await call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  for (const number of ["101", "102", "103"]) await call("POST", "/tenants/acme.example/extensions", { number, displayName: `User ${number}` });
});

afterAll(async () => {
  await server.close();
  env.cleanup();
});

async function call(method: string, path: string, body?: unknown, role = "admin", type = "application/json") {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { "content-type": type } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text, type: res.headers.get("content-type"), disposition: res.headers.get("content-disposition") };
}

function snapshot(): string {
  const rt = createRuntime(env.config, quiet);
  try {
    return dumpDb(rt);
  } finally {
    rt.close();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 60));

/** A phone fetching its file with the credentials an admin reads. */
async function phoneFetch(mac: string, password?: string) {
  const pw = password ?? (await call("GET", `/devices/${mac}`)).json.provisioningPassword;
  return curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${mac}`, "--digest", "-u", `${mac}:${pw}`, `${phones}/${mac}.cfg`]);
}

describe("CSV upload", () => {
  const file = [HEADER, "805ec0bb0001,,T54W,acme.example,101;102,Desk 1,2:blf:103", "805ec0bb0002,,T46U,acme.example,103,,"].join("\n");

  it("checks an upload as a dry run for a technician without writing", async () => {
    await call("GET", "/imports", undefined, "technician"); // the token's last use is recorded; then nothing else may change
    const before = snapshot();
    const r = await call("POST", "/imports?dryRun=1", file, "technician", "text/csv");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ accepted: true, dryRun: true, rows: 2, created: 2, batchId: null });
    expect(snapshot()).toBe(before);
  });

  it("imports an upload and reports onboarding status per batch from the fetch log", async () => {
    const r = await call("POST", "/imports?fileName=site.csv", file, "technician", "text/csv");
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ accepted: true, created: 2, batchId: expect.any(Number) });
    expect((await phoneFetch("805ec0bb0001")).status).toBe(200);
    expect((await phoneFetch("805ec0bb0002", "wrong")).status).toBe(401);
    await settle();
    const s = await call("GET", `/imports/${r.json.batchId}`, undefined, "technician");
    expect(s.status).toBe(200);
    expect(s.json).toMatchObject({ fileName: "site.csv", source: "csv", actor: "token:technician", summary: { fetched: 1, refused: 1, never: 0, registered: null } });
    expect(s.json.devices.map((d: any) => [d.mac, d.action, d.state, d.registered])).toEqual([
      ["805ec0bb0001", "created", "fetched", null],
      ["805ec0bb0002", "created", "refused", null],
    ]);
    const never = await call("GET", `/imports/${r.json.batchId}?state=never`, undefined, "technician");
    expect(never.json.devices).toEqual([]);
    const list = await call("GET", "/imports", undefined, "readonly");
    expect(list.json.imports[0]).toMatchObject({ id: r.json.batchId, rows: 2, created: 2 });
  });

  it("refuses a file with problems: 400 with row, column and reason, nothing written", async () => {
    const before = snapshot();
    const r = await call("POST", "/imports", [HEADER, "805ec0bb0003,,T54W,acme.example,199,,"].join("\n"), "technician", "text/csv");
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: "invalid_input", problemCount: 1, problems: [{ row: 2, column: "lines", reason: "extension 199 does not exist in tenant acme.example" }] });
    expect(r.json.error.message).toMatch(/row 2, column lines: extension 199/);
    expect(snapshot()).toBe(before);
  });

  it("refuses malformed CSV, a body that is not CSV, one over the limit, and a readonly token", async () => {
    const before = snapshot();
    const bad = await call("POST", "/imports", `${HEADER}\n805ec0bb0004,,"T54W,acme.example,101,,`, "technician", "text/csv");
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/malformed CSV: a quoted field .* never closed/);
    expect((await call("POST", "/imports", { rows: [] }, "technician")).status).toBe(415);
    const big = await call("POST", "/imports", `${HEADER}\n${"805ec0bb0005,,T54W,acme.example,101,x,\n".repeat(200)}`, "technician", "text/csv");
    expect(big.status).toBe(413);
    expect(big.json.error.message).toMatch(/upload limit of 4096 bytes/);
    expect((await call("POST", "/imports", file, "readonly", "text/csv")).status).toBe(403);
    expect(snapshot()).toBe(before);
  });

  it("exports the same columns for a technician, ready to import again unchanged", async () => {
    const r = await call("GET", "/exports/devices.csv?tenant=acme.example", undefined, "technician");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/csv/);
    expect(r.disposition).toMatch(/attachment; filename="devices.csv"/);
    expect(r.text).toBe(`${HEADER}\n805ec0bb0001,yealink,T54W,acme.example,101;102,Desk 1,2:blf:103\n805ec0bb0002,yealink,T46U,acme.example,103,,\n`);
    const before = snapshot();
    const again = await call("POST", "/imports", r.text, "technician", "text/csv");
    expect(again.json).toMatchObject({ unchanged: 2, created: 0, updated: 0, batchId: null });
    expect(snapshot()).toBe(before);
    expect((await call("GET", "/exports/devices.csv?tenant=nowhere", undefined, "technician")).status).toBe(404);
  });
});

describe("claiming from the discovery inbox", () => {
  async function callIn(mac: string, model = "T54W") {
    await curl(["-A", `Yealink SIP-${model} 96.86.0.100 ${mac}`, `${phones}/${mac}.cfg`]);
  }

  it("claims one phone; it provisions at its next fetch", async () => {
    await callIn("805ec0cc0001");
    await settle();
    const inbox = await call("GET", "/discovered-devices", undefined, "technician");
    expect(inbox.json.devices.map((d: any) => d.mac)).toContain("805ec0cc0001");
    const r = await call("POST", "/discovered-devices/claim", { mac: "805ec0cc0001", tenant: "acme.example", lines: ["101"], label: "Lobby" }, "technician");
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ created: 1, batchId: expect.any(Number) });
    expect(r.text).not.toMatch(/password/i);
    const device = await call("GET", "/devices/805ec0cc0001");
    expect(device.json).toMatchObject({ model: "T54W", vendor: "yealink", label: "Lobby" });
    expect((await phoneFetch("805ec0cc0001")).status).toBe(200);
    expect((await call("GET", "/discovered-devices")).json.devices.map((d: any) => d.mac)).not.toContain("805ec0cc0001");
  });

  it("claims many at once, correcting a model, all or nothing", async () => {
    await callIn("805ec0cc0002", "T46U");
    await callIn("805ec0cc0003", "T46U");
    await settle();
    const before = snapshot();
    const refused = await call("POST", "/discovered-devices/claim", {
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
    expect(snapshot()).toBe(before);
    const ok = await call("POST", "/discovered-devices/claim", {
      claims: [
        { mac: "805ec0cc0002", tenant: "acme.example", lines: ["102"] },
        { mac: "80:5e:c0:cc:00:03", tenant: "acme.example", model: "T48U", lines: ["103", "101"], keyLayout: "3:blf:101" },
      ],
    }, "technician");
    expect(ok.status).toBe(201);
    expect(ok.json.created).toBe(2);
    expect((await call("GET", "/devices/805ec0cc0003")).json).toMatchObject({ model: "T48U" });
    const again = await call("POST", "/discovered-devices/claim", { mac: "805ec0cc0002", tenant: "acme.example", lines: ["102"] }, "technician");
    expect(again.json.error.problems).toEqual([{ claim: 1, field: "mac", reason: expect.stringMatching(/already a device/) }]);
  });
});
