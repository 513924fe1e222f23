import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;
const T = "/tenants/warn.example";
const MAC = "805ec0dd0001"; // T31G: 2 keys, 2 accounts

beforeAll(async () => {
  c = await startAdminApp();
  await c.call("POST", "/tenants", { sipDomain: "warn.example", sipServerHost: "pbx.warn.example" });
  for (const n of ["101", "102", "103", "104"]) await c.call("POST", `${T}/extensions`, { number: n, displayName: `Ext ${n}` });
  await c.call("POST", "/devices", { mac: MAC, model: "T31G", tenant: "warn.example" });
  await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "101" }, { index: 2, extension: "102" }]);
});
afterAll(async () => c.close());

describe("line-key warnings", () => {
  it("warns when the keys leave a line without a line key, and the write stands", async () => {
    const r = await c.call("PUT", `/devices/${MAC}/keys`, [{ index: 1, kind: "blf", value: "103" }, { index: 2, kind: "line", line: 1 }]);
    expect(r.status).toBe(200);
    expect(r.json.warnings).toEqual([expect.stringMatching(/^device 805ec0dd0001: line 2 \(extension 102\) has no line key: keys 1-2 .* are all taken; .*"none" key on key 2/)]);
    expect(r.json.keys).toHaveLength(2);
    const file = (await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`)).text;
    expect(file).toContain("linekey.1.type = 16\n");
  });

  it("gives no warning when a none key gives the line key away on purpose", async () => {
    const r = await c.call("PUT", `/devices/${MAC}/keys`, [{ index: 1, kind: "none" }]);
    expect(r.json.warnings).toEqual([]);
    const file = (await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`)).text;
    expect(file).toContain("linekey.1.type = 0\n");
    expect(file).toContain("linekey.2.type = 15\nlinekey.2.line = 2\n");
  });

  it("puts no automatic key on a none key: the line whose key is taken is warned about", async () => {
    const r = await c.call("PUT", `/devices/${MAC}/keys`, [{ index: 1, kind: "blf", value: "103" }, { index: 2, kind: "none" }]);
    expect(r.json.warnings).toEqual([expect.stringContaining("line 1 (extension 101) has no line key")]);
  });

  it("a layout that leaves lines without keys warns for each device using it", async () => {
    await c.call("PUT", `/devices/${MAC}/keys`, []);
    await c.call("POST", `${T}/key-layouts`, { name: "panel", keys: [] });
    await c.call("PUT", `/devices/${MAC}/key-layout`, { layout: "panel" });
    const put = await c.call("PUT", `${T}/key-layouts/panel`, { keys: [{ index: 1, kind: "blf", value: "103" }, { index: 2, kind: "blf", value: "104" }] });
    expect(put.status).toBe(200);
    expect(put.json.warnings).toHaveLength(2);
    expect((await c.call("GET", `/devices/${MAC}/key-layout`)).json.warnings).toHaveLength(2);
    const lines = await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "101" }]);
    expect(lines.json.warnings).toEqual([expect.stringContaining("line 1 (extension 101)")]);
  });

  it("refuses a value on a none key", async () => {
    await c.refused("PUT", `/devices/${MAC}/keys`, [{ index: 1, kind: "none", value: "1" }], 400, /none key .* takes no value/);
  });
});
