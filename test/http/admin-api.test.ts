import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";

let c: AdminClient;

beforeAll(async () => {
  c = await startAdminClient({ apiBodyLimitBytes: 4096, fetchLogFlushMs: 5 });
});

afterAll(async () => c.close());

describe("admin API", () => {
  it("requires a bearer token", async () => {
    const r = await c.call("GET", "/tenants", undefined, null);
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe("unauthorized");
    const bad = await fetch(`${c.api}/tenants`, { headers: { authorization: "Bearer ph_notarealtoken" } });
    expect(bad.status).toBe(401);
  });

  it("creates a tenant with its feature codes seeded from the star-code table", async () => {
    const r = await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example", timeZone: "Europe/Berlin" });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: "acme.example", sipServerPort: 5060, sipTransport: "udp", authMode: "credentials" });
    const codes = await c.call("GET", "/tenants/acme.example/feature-codes");
    expect(codes.json.featureCodes).toMatchObject({ dnd_on: "*78", dnd_off: "*79", forward_on: "*72", forward_off: "*73", park: "***", directed_pickup: "*35", voicemail: "9901" });
    await c.call("POST", "/tenants", { sipDomain: "other.example", sipServerHost: "pbx.other.example" });
  });

  it("creates extensions with generated 128-bit passwords shown only to admins", async () => {
    const a = await c.call("POST", "/tenants/acme.example/extensions", { number: "201", displayName: "R&D <Lab>" });
    expect(a.status).toBe(201);
    expect(a.json.sipPassword).toMatch(/^[A-Za-z0-9]{22}$/);
    await c.call("POST", "/tenants/acme.example/extensions", { number: "202", displayName: "Zoë Ångström" });
    await c.call("POST", "/tenants/other.example/extensions", { number: "301", displayName: "Elsewhere" });
    const asTech = await c.call("GET", "/tenants/acme.example/extensions/201", undefined, "technician");
    expect(asTech.status).toBe(200);
    expect(asTech.json.sipPassword).toBeUndefined();
    expect(asTech.text).not.toContain(a.json.sipPassword);
  });

  it("refuses a display name with CR/LF, naming the field, and writes nothing", async () => {
    await c.refused("POST", "/tenants/acme.example/extensions", { number: "203", displayName: "Evil\r\naccount.1.password = x" }, 400, /displayName: must not contain control characters/);
  });

  it("accepts a MAC in any notation and answers it normalised", async () => {
    const r = await c.call("POST", "/devices", { mac: "80:5E:C0:AA:00:01", model: "T54W", tenant: "acme.example", label: "Desk 1" }, "technician");
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ mac: "805ec0aa0001", vendor: "yealink", model: "T54W", tenant: "acme.example" });
    expect(r.json.provisioningPassword).toBeUndefined();
    const got = await c.call("GET", "/devices/805e.c0aa.0001");
    expect(got.json.provisioningPassword).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(got.json.adminPassword).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it.each([
    [{ mac: "80:5e:c0:aa:00", model: "T54W", tenant: "acme.example" }, 400, /mac: "80:5e:c0:aa:00" is not a MAC address/],
    [{ mac: "zz5ec0aa0002", model: "T54W", tenant: "acme.example" }, 400, /is not a MAC address/],
    [{ mac: "805ec0aa0001", model: "T54W", tenant: "acme.example" }, 409, /device 805ec0aa0001 already exists/],
    [{ mac: "805ec0aa0002", model: "T99X", tenant: "acme.example" }, 400, /model: unknown yealink model "T99X"/],
    [{ mac: "805ec0aa0002", vendor: "cisco", model: "T54W", tenant: "acme.example" }, 400, /vendor: unknown vendor "cisco"/],
    [{ mac: "123456aa0002", model: "T54W", tenant: "acme.example" }, 400, /OUI 123456 .* give the vendor/],
    [{ mac: "805ec0aa0002", model: "T54W", tenant: "nowhere" }, 404, /no tenant named nowhere/],
  ])("refuses bad device %#", async (body, status, message) => {
    await c.refused("POST", "/devices", body, status, message);
  });

  it("refuses the same MAC in another tenant", async () => {
    await c.refused("POST", "/devices", { mac: "805ec0aa0001", model: "T54W", tenant: "other.example" }, 409, /already exists in another tenant/);
  });

  it("assigns lines and keys, and refuses keys beyond the model and BLFs to another tenant", async () => {
    const lines = await c.call("PUT", "/devices/805ec0aa0001/lines", [{ index: 1, extension: "201" }]);
    expect(lines.json.lines).toEqual([{ index: 1, extension: "201" }]);
    const keys = await c.call("PUT", "/devices/805ec0aa0001/keys", [
      { index: 1, kind: "line" },
      { index: 2, kind: "blf", value: "202" },
      { index: 3, kind: "speed_dial", value: "+4930123456", label: "Office" },
      { index: 4, kind: "park" },
      { index: 5, kind: "feature", value: "dnd_on" },
    ]);
    expect(keys.status).toBe(200);
    expect(keys.json.keys).toHaveLength(5);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 999, kind: "blf", value: "202" }], 400, /T54W has \d+ programmable key\(s\), not 999/);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 2, kind: "blf", value: "301" }], 400, /extension 301 does not exist in this device's tenant/);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 2, kind: "feature", value: "self_destruct" }], 400, /feature-code name/);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 2, kind: "line" }, { index: 2, kind: "park" }], 400, /key 2 is given twice/);
    await c.refused("PUT", "/devices/805ec0aa0001/lines", [{ index: 99, extension: "201" }], 400, /T54W has \d+ line\(s\), not 99/);
    await c.refused("PUT", "/devices/805ec0aa0001/lines", [{ index: 1, extension: "301" }], 400, /extension 301 does not exist/);
  });

  it("previews exactly what the phone gets, and only admins see files with secrets", async () => {
    const files = await c.call("GET", "/devices/805ec0aa0001/files");
    expect(files.json.files.map((f: { name: string }) => f.name)).toContain("805ec0aa0001.cfg");
    const preview = await c.call("GET", "/devices/805ec0aa0001/files/805ec0aa0001.cfg");
    expect(preview.status).toBe(200);
    expect(preview.type).toMatch(/text\/plain/);
    expect(preview.text).toContain("account.1.user_name = 201");
    const tech = await c.call("GET", "/devices/805ec0aa0001/files/805ec0aa0001.cfg", undefined, "technician");
    expect(tech.status).toBe(403);
    const common = await c.call("GET", "/devices/805ec0aa0001/files/y000000000096.cfg", undefined, "readonly");
    expect(common.status).toBe(200);
    const foreign = await c.call("GET", "/devices/805ec0aa0001/files/805ec0000999.cfg");
    expect(foreign.status).toBe(404);
  });

  it("feature keys: intercom and directed pickup name their extension, every code has a readable label", async () => {
    const original = (await c.call("GET", "/devices/805ec0aa0001/keys")).json.keys;
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 6, kind: "feature", value: "intercom" }], 400, /intercom dials its code followed by an extension: give it as intercom:<extension>/);
    await c.refused("PUT", "/devices/805ec0aa0001/keys", [{ index: 6, kind: "feature", value: "dnd_on:201" }], 400, /dnd_on takes no extension/);
    const keys = await c.call("PUT", "/devices/805ec0aa0001/keys", [
      { index: 6, kind: "feature", value: "intercom:202" },
      { index: 7, kind: "feature", value: "directed_pickup:202" },
      { index: 8, kind: "feature", value: "pickup_any" },
    ]);
    expect(keys.status).toBe(200);
    const preview = (await c.call("GET", "/devices/805ec0aa0001/files/805ec0aa0001.cfg")).text;
    expect(preview).toContain("linekey.6.value = *50202");
    expect(preview).toContain("linekey.6.label = Intercom 202");
    expect(preview).toContain("linekey.7.value = *35202");
    expect(preview).toContain("linekey.8.label = Pickup Any");
    expect(preview).not.toContain("pickup_any");
    expect((await c.call("PUT", "/devices/805ec0aa0001/keys", original)).status).toBe(200);
  });

  it("lets readonly tokens read but not write", async () => {
    expect((await c.call("GET", "/devices", undefined, "readonly")).status).toBe(200);
    const r = await c.call("POST", "/tenants", { sipDomain: "x.example", sipServerHost: "x.example" }, "readonly");
    expect(r.status).toBe(403);
  });

  it("refuses tenant and extension writes from technicians", async () => {
    const r = await c.call("POST", "/tenants/acme.example/extensions", { number: "209", displayName: "x" }, "technician");
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/needs the admin role/);
  });

  it("refuses oversized and malformed bodies with a clear error", async () => {
    const big = await c.call("POST", "/tenants", JSON.stringify({ sipDomain: "a".repeat(10_000) }), "admin", "application/json");
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe("payload_too_large");
    const broken = await c.call("POST", "/tenants", '{"sipDomain": ', "admin", "application/json");
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe("invalid_json");
    const unknownField = await c.call("POST", "/tenants", { sipDomain: "y.example", sipServerHost: "y.example", bogus: 1 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error.message).toMatch(/bogus/);
  });

  it("refuses to delete an extension a phone carries, then deletes the device", async () => {
    await c.refused("DELETE", "/tenants/acme.example/extensions/201", undefined, 409, /is on device\(s\) 805ec0aa0001/);
    expect((await c.call("DELETE", "/devices/805ec0aa0001")).status).toBe(204);
    expect((await c.call("DELETE", "/tenants/acme.example/extensions/201")).status).toBe(204);
  });

  it("lists phones that called in unknown, dismisses one and claims another by creating it", async () => {
    const phone = c.phoneUrl;
    await curl(["-A", "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee", `${phone}/cfgc074ad0b63ee.xml`]);
    await curl(["-A", "FileTransport PolycomVVX-VVX_410-UA/5.9.0.9373 Type/Application", `${phone}/0004f2abcdef-phonehome.cfg`]);
    c.server.runtime.recorder.flush();
    const inbox = await c.call("GET", "/discovered-devices", undefined, "technician");
    expect(inbox.json.devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ mac: "c074ad0b63ee", vendor: "grandstream", model: "GRP2614", firmware: "1.0.5.15", requestCount: 1 }),
        expect.objectContaining({ mac: "0004f2abcdef", vendor: "polycom", model: "VVX410" }),
      ]),
    );
    expect((await c.call("DELETE", "/discovered-devices/c0:74:ad:0b:63:ee", undefined, "technician")).status).toBe(204);
    expect((await c.call("DELETE", "/discovered-devices/c074ad0b63ee", undefined, "readonly")).status).toBe(403);
    const after = await c.call("GET", "/discovered-devices");
    expect(after.json.devices.map((d: { mac: string }) => d.mac)).not.toContain("c074ad0b63ee");
    const all = await c.call("GET", "/discovered-devices?all=1");
    expect(all.json.devices.find((d: { mac: string }) => d.mac === "c074ad0b63ee").dismissedAt).not.toBeNull();
    await c.call("POST", "/devices", { mac: "0004f2abcdef", model: "VVX410", tenant: "acme.example" }, "technician");
    const claimed = await c.call("GET", "/discovered-devices?all=1");
    expect(claimed.json.devices.map((d: { mac: string }) => d.mac)).not.toContain("0004f2abcdef");
  });

  it("answers unknown routes with a JSON error", async () => {
    const r = await c.call("GET", "/nothing-here");
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("not_found");
  });
});
