import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { HOT_DESK_OPERATIONS } from "../../src/http/admin/openapi-hot-desk.ts";
import { createToken } from "../../src/services/tokens.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";
import { startSipp } from "../helpers/sipp.ts";

/**
 * A tenant's hot-desk default for a model: a device of the model is a hot desk without
 * `hot-desk enable`, whether it existed before the default or was created after; `hot-desk
 * disable` takes one device out (the PBX's sign-in is then refused), `hot-desk enable` puts it back.
 */
let c: AdminClient;
let pbxToken: string;
const T = "hdd.example";
const OLD = "805ec0000501";
const NEW = "805ec0000502";
const OUT = "805ec0000503";
const OTHER = "805ec0000504";
const BASE = `/tenants/${T}/hot-desk/defaults`;

beforeAll(async () => {
  c = await startAdminClient(
    { fetchLogFlushMs: 5, sipBindHost: "127.0.0.1", sipT1Ms: 50, sipT2Ms: 400, sipTimerFMs: 500, notifyJitterMs: 0 },
    { roles: ["admin", "technician", "readonly"] },
  );
  await c.call("POST", "/tenants", { name: T, sipDomain: T, sipServerHost: "127.0.0.1", provisioningBaseUrl: `${c.phoneUrl}/` });
  pbxToken = (await c.withRuntime((rt) => createToken(rt, "pbx", "asterisk", [T]))).token;
  for (const [number, displayName] of [["100", "Desk guest"], ["101", "Ana"]]) {
    expect((await c.call("POST", `/tenants/${T}/extensions`, { number, displayName })).status).toBe(201);
  }
  expect((await c.call("PATCH", `/tenants/${T}/extensions/101/hot-desk`, { pin: "1234" })).status).toBe(200);
  // A device that exists before the default, and one of another model.
  expect((await c.call("POST", "/devices", { mac: OLD, model: "T54W", tenant: T })).status).toBe(201);
  expect((await c.call("POST", "/devices", { mac: OTHER, model: "T57W", tenant: T })).status).toBe(201);
});
afterAll(async () => c.close());

const pbxJson = (action: string, body: unknown) =>
  curl(["-H", `Authorization: Bearer ${pbxToken}`, "-H", "Content-Type: application/json", "--data", JSON.stringify(body), `${c.api}/pbx/hot-desk/${action}`]);
async function fetchConfig(mac: string): Promise<string> {
  const device = (await c.call("GET", `/devices/${mac}`)).json;
  const r = await curl(["--digest", "-u", `${mac}:${device.provisioningPassword}`, `${c.phoneUrl}/${mac}.cfg`]);
  expect(r.status).toBe(200);
  return r.body;
}
const stored = () => c.withRuntime((rt) => rt.db.$client.prepare("select device_id, origin from hot_desks").all());
const audit = (action: string) => c.withRuntime((rt) => rt.db.$client.prepare("select actor, target, detail from audit_log where action = ? order by id").all(action));
/** The strict schema the OpenAPI document gives for the route's answer. */
const documented = (method: string, path: string) => HOT_DESK_OPERATIONS.find((o) => o.method === method && o.path === path)!.response as z.ZodType;
/** Waits until every queued NOTIFY went out (a send deletes its outbox row last), so snapshots compare a quiet database. */
async function settled(): Promise<void> {
  const queued = () => c.withRuntime((rt) => (rt.db.$client.prepare("select count(*) as n from notify_outbox").get() as { n: number }).n);
  while (queued() > 0) await new Promise((r) => setTimeout(r, 50));
}

describe("a hot-desk default for a model", () => {
  let baseFile = "";

  it("makes the tenant's T54W phones hot desks, existing and created later, without hot-desk enable", async () => {
    const added = await c.call("PUT", `${BASE}/yealink/T54W`);
    expect(added.status, added.text).toBe(200);
    expect(added.json).toMatchObject({ tenant: T, vendor: "yealink", model: "T54W", hotDesks: 1, optedOut: [] });
    documented("put", "/tenants/{tenant}/hot-desk/defaults/{vendor}/{model}").parse(added.json);
    for (const mac of [NEW, OUT]) expect((await c.call("POST", "/devices", { mac, model: "T54W", tenant: T })).status).toBe(201);
    expect((await c.call("PUT", `/devices/${NEW}/lines`, [{ index: 1, extension: "100" }])).status).toBe(200);

    const desk = await c.call("GET", `/devices/${NEW}/hot-desk`, undefined, "readonly");
    expect(desk.status).toBe(200);
    expect(desk.json).toMatchObject({ mac: NEW, state: "free", key: null, source: "tenant-default" });
    documented("get", "/devices/{mac}/hot-desk").parse(desk.json);
    const list = (await c.call("GET", `/hot-desks?tenant=${T}`)).json.hotDesks;
    expect(list.map((d: { mac: string; source: string }) => [d.mac, d.source])).toEqual([[OLD, "tenant-default"], [NEW, "tenant-default"], [OUT, "tenant-default"]]);
    expect((await c.call("GET", BASE)).json.defaults).toEqual([expect.objectContaining({ model: "T54W", hotDesks: 3 })]);
    // Nothing is stored for a free default desk, and its file does not change: no Sign in key.
    expect(stored()).toEqual([]);
    baseFile = await fetchConfig(NEW);
    expect(baseFile).not.toContain("9902");
    expect(audit("hot_desk.default_add")).toEqual([{ actor: "token:admin", target: `hot_desk_default:${T}/yealink/T54W`, detail: null }]);
  });

  it("signs Ana in through the PBX route at a device nobody enabled; *46 brings its own file back", async () => {
    const sipp = await startSipp("notify-200.xml");
    const hook = await c.call("POST", "/registrations/events", { aor: `sip:100@${T}`, contact: `sip:100@127.0.0.1:${sipp.port}`, source: `127.0.0.1:${sipp.port}`, expires: 3600, event: "registered" }, "admin");
    expect(hook.status).toBe(200);
    const r = await pbxJson("sign-in", { aor: `sip:100@${T}`, extension: "101", pin: "1234" });
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ hotDesk: { mac: NEW, state: "signed-in", extension: "101", source: "tenant-default" }, notify: { notified: [NEW] } });
    expect((await sipp.done).code).toBe(0);
    const file = await fetchConfig(NEW);
    expect(file).toContain("account.1.user_name = 101");
    expect(file).toContain("account.1.display_name = Ana");

    expect((await pbxJson("release", { mac: NEW })).status).toBe(200);
    expect(await fetchConfig(NEW)).toBe(baseFile);
    expect((await c.call("GET", `/devices/${NEW}/hot-desk`)).json).toMatchObject({ state: "free", source: "tenant-default" });
    expect(stored()).toEqual([]);
  });

  it("a device opted out with hot-desk disable refuses the PBX's sign-in, changing nothing; enable puts it back", async () => {
    await settled();
    expect((await c.call("DELETE", `/devices/${OUT}/hot-desk`, undefined, "technician")).status).toBe(204);
    expect((await c.call("GET", BASE)).json.defaults[0]).toMatchObject({ hotDesks: 2, optedOut: [OUT] });
    const before = c.snapshot();
    const r = await pbxJson("sign-in", { mac: OUT, extension: "101", pin: "1234" });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body).error.message).toMatch(/805ec0000503 is not a hot desk/);
    await c.refused("POST", `/devices/${OUT}/hot-desk/sign-in`, { extension: "101" }, 409, /it was disabled \(hot-desk disable\), which keeps it out of its tenant's hot-desk default too/);
    expect(c.snapshot()).toBe(before);
    const get = await c.call("GET", `/devices/${OUT}/hot-desk`);
    expect(get.status).toBe(404);
    expect(get.json.error.message).toMatch(/not a hot desk: .*phonehome hot-desk enable 805ec0000503/);
    expect((await c.call("GET", `/hot-desks?tenant=${T}`)).json.hotDesks.map((d: { mac: string }) => d.mac)).toEqual([OLD, NEW]);

    const enabled = await c.call("POST", `/devices/${OUT}/hot-desk`, {});
    expect(enabled.status).toBe(201);
    expect(enabled.json.hotDesk).toMatchObject({ mac: OUT, key: 1, source: "device" });
    expect((await c.call("GET", BASE)).json.defaults[0]).toMatchObject({ hotDesks: 2, optedOut: [] });
  });

  it("enabling a free default desk makes it the device's own, with its Sign in key", async () => {
    const r = await c.call("POST", `/devices/${OLD}/hot-desk`, {});
    expect(r.status).toBe(201);
    expect(r.json.hotDesk).toMatchObject({ mac: OLD, source: "device", key: 1 });
    await c.refused("POST", `/devices/${OLD}/hot-desk`, {}, 409, /is a hot desk already/);
  });

  it("removing the default signs out whoever sits at its desks; desks enabled per device stay", async () => {
    expect((await c.call("POST", `/devices/${NEW}/hot-desk/sign-in`, { extension: "101" })).status).toBe(200);
    expect(stored()).toEqual(expect.arrayContaining([expect.objectContaining({ origin: "default" })]));
    const r = await c.call("DELETE", `${BASE}/yealink/T54W`);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ removed: { model: "T54W" }, signedOut: [NEW] });
    documented("delete", "/tenants/{tenant}/hot-desk/defaults/{vendor}/{model}").parse(r.json);
    expect(await fetchConfig(NEW)).toBe(baseFile);
    expect((await c.call("GET", `/devices/${NEW}/hot-desk`)).status).toBe(404);
    expect((await c.call("GET", `/hot-desks?tenant=${T}`)).json.hotDesks.map((d: { mac: string }) => d.mac)).toEqual([OLD, OUT]);
    expect(audit("hot_desk.sign_out").at(-1)).toMatchObject({ detail: "hot-desk default yealink T54W removed" });
    expect(audit("hot_desk.default_remove")).toHaveLength(1);
  });

  it("a device imported from a CSV file after the default is a hot desk at once", async () => {
    expect((await c.call("PUT", `${BASE}/yealink/T54W`)).status).toBe(200);
    const imported = await c.call("POST", "/imports", `mac,model,tenant,lines\n805ec0000505,T54W,${T},100\n`, "technician", "text/csv");
    expect(imported.status, imported.text).toBe(201);
    expect((await c.call("GET", "/devices/805ec0000505/hot-desk")).json).toMatchObject({ state: "free", source: "tenant-default" });
    expect((await c.call("DELETE", `${BASE}/yealink/T54W`)).json.signedOut).toEqual([]);
  });

  it("refuses bad input with the fix, changing nothing", async () => {
    await settled();
    await c.refused("PUT", `${BASE}/yealink/T99X`, undefined, 400, /model: unknown yealink model "T99X" \(known: .*T54W/);
    await c.refused("PUT", `${BASE}/acme/T54W`, undefined, 400, /vendor: unknown vendor "acme"/);
    await c.refused("DELETE", `${BASE}/yealink/T54W`, undefined, 404, /yealink T54W is not a hot-desk default of tenant hdd\.example/);
    await c.refused("PUT", `/tenants/nope.example/hot-desk/defaults/yealink/T54W`, undefined, 404, /nope\.example/);
    const before = c.snapshot();
    expect((await c.call("PUT", `${BASE}/yealink/T54W`, undefined, "technician")).status).toBe(403);
    expect(c.snapshot()).toBe(before);
    // A device of a model that is no default is no hot desk: 404 with how to make it one.
    const r = await c.call("GET", `/devices/${OTHER}/hot-desk`);
    expect(r.status).toBe(404);
    expect(r.json.error.message).toBe(
      `device ${OTHER} is not a hot desk: enable it first (phonehome hot-desk enable ${OTHER}, or POST /api/v1/devices/${OTHER}/hot-desk), or make its model a hot desk by default (phonehome hot-desk default add --tenant ${T} T57W)`,
    );
  });
});
