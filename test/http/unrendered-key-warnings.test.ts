import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let c: AdminClient;
const T = "/tenants/park.example";
const POLY = "0004f2dd0410"; // VVX410: 12 keys
const YEA = "805ec0dd0046"; // T46S: renders park keys (type 10)
const GRP = "c074addd2614"; // GRP2614: 16 VPKs, then 24 MPKs (keys 17-40)
const GXP = "000b82dd2140"; // GXP2140: 16 VPKs, VPKs 1-4 fixed

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "park.example", sipServerHost: "pbx.park.example" });
  await c.call("POST", `${T}/extensions`, { number: "101", displayName: "Ext 101" });
  await c.call("POST", "/devices", { mac: POLY, vendor: "polycom", model: "VVX410", tenant: "park.example" });
  await c.call("POST", "/devices", { mac: YEA, vendor: "yealink", model: "T46S", tenant: "park.example" });
  for (const n of ["102", "103", "104"]) await c.call("POST", `${T}/extensions`, { number: n, displayName: `Ext ${n}` });
  await c.call("POST", "/devices", { mac: GRP, vendor: "grandstream", model: "GRP2614", tenant: "park.example" });
  await c.call("POST", "/devices", { mac: GXP, vendor: "grandstream", model: "GXP2140", tenant: "park.example" });
  for (const mac of [POLY, YEA, GRP, GXP]) await c.call("PUT", `/devices/${mac}/lines`, [{ index: 1, extension: "101" }]);
});
afterAll(async () => c.close());

describe("warnings for keys a vendor renders as nothing", () => {
  it("warns about a Polycom park key, keeps the write, and the file shows the key Unassigned", async () => {
    const r = await c.call("PUT", `/devices/${POLY}/keys`, [{ index: 1, kind: "line" }, { index: 3, kind: "park" }]);
    expect(r.status).toBe(200);
    expect(r.json.keys).toHaveLength(2);
    expect(r.json.warnings).toEqual([
      expect.stringMatching(/^device 0004f2dd0410: key 3 \(park\) is rendered as an empty key on Poly \/ Polycom: .*Park soft key.*; remove the key or give it another kind$/),
    ]);
    const file = (await c.call("GET", `/devices/${POLY}/files/${POLY}-phonehome.cfg`)).text;
    expect(file).toContain('lineKey.3.category="Unassigned"');
  });

  it("gives no such warning for a vendor that renders park keys", async () => {
    const r = await c.call("PUT", `/devices/${YEA}/keys`, [{ index: 1, kind: "line" }, { index: 3, kind: "park" }]);
    expect(r.json.warnings).toEqual([]);
    const file = (await c.call("GET", `/devices/${YEA}/files/${YEA}.cfg`)).text;
    expect(file).toContain("linekey.3.type = 10\n");
  });

  it("warns for every Polycom device using a layout with a park key", async () => {
    await c.call("PUT", `/devices/${POLY}/keys`, []);
    await c.call("POST", `${T}/key-layouts`, { name: "front-desk", keys: [] });
    await c.call("PUT", `/devices/${POLY}/key-layout`, { layout: "front-desk" });
    await c.call("PUT", `/devices/${YEA}/key-layout`, { layout: "front-desk" });
    const put = await c.call("PUT", `${T}/key-layouts/front-desk`, { keys: [{ index: 2, kind: "park" }] });
    expect(put.status).toBe(200);
    expect(put.json.warnings).toEqual([expect.stringContaining(`device ${POLY}: key 2 (park)`)]);
    expect((await c.call("GET", `/devices/${POLY}/key-layout`)).json.warnings).toHaveLength(1);
    expect((await c.call("GET", `/devices/${YEA}/key-layout`)).json.warnings).toEqual([]);
  });
});

describe("Grandstream line keys where the phone has no line mode", () => {
  it("warns about a line key on a GRP26xx MPK and writes it None", async () => {
    const r = await c.call("PUT", `/devices/${GRP}/keys`, [{ index: 1, kind: "line" }, { index: 17, kind: "line" }]);
    expect(r.status).toBe(200);
    expect(r.json.warnings).toEqual([expect.stringMatching(/^device c074addd2614: key 17 \(line\) is rendered as an empty key on Grandstream: key 17 is a physical MPK of the GRP2614 .*VPKs 1-16/)]);
    const file = (await c.call("GET", `/devices/${GRP}/files/cfg${GRP}.xml`)).text;
    expect(file).toContain('<item name="pks.mpk.1.keyMode">None</item>');
  });

  it("warns about a line key on a GXP21xx dynamic VPK", async () => {
    const r = await c.call("PUT", `/devices/${GXP}/keys`, [{ index: 5, kind: "line" }]);
    expect(r.json.warnings).toEqual([expect.stringContaining("only the fixed VPKs 1-4 of the GXP2140 take the Line mode, so VPK 5 is written None")]);
  });

  it("warns when every VPK of a GRP26xx is taken: the lines get no line key on the MPKs either", async () => {
    await c.call("PUT", `/devices/${GRP}/lines`, [
      { index: 1, extension: "101" },
      { index: 2, extension: "102" },
    ]);
    const keys = Array.from({ length: 16 }, (_, i) => ({ index: i + 1, kind: "speed_dial", value: `55500${String(i).padStart(2, "0")}` }));
    const r = await c.call("PUT", `/devices/${GRP}/keys`, keys);
    expect(r.status).toBe(200);
    expect(r.json.warnings).toEqual([
      expect.stringMatching(/line 1 \(extension 101\) has no line key: keys 1-16 \(the GRP2614 keys that can show a line\)/),
      expect.stringMatching(/line 2 \(extension 102\) has no line key/),
    ]);
    const file = (await c.call("GET", `/devices/${GRP}/files/cfg${GRP}.xml`)).text;
    expect(file).not.toContain(">Line</item>");
  });
});
