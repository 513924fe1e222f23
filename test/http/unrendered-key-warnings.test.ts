import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";

let c: AdminClient;
const T = "/tenants/park.example";
const POLY = "0004f2dd0410"; // VVX410: 12 keys
const YEA = "805ec0dd0046"; // T46S: renders park keys (type 10)

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "park.example", sipServerHost: "pbx.park.example" });
  await c.call("POST", `${T}/extensions`, { number: "101", displayName: "Ext 101" });
  await c.call("POST", "/devices", { mac: POLY, vendor: "polycom", model: "VVX410", tenant: "park.example" });
  await c.call("POST", "/devices", { mac: YEA, vendor: "yealink", model: "T46S", tenant: "park.example" });
  for (const mac of [POLY, YEA]) await c.call("PUT", `/devices/${mac}/lines`, [{ index: 1, extension: "101" }]);
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
