import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;
const T = "/tenants/acme.example";
const WITH = "805ec0dd0001"; // T54S: 27 own keys; modules of 60 keys, at most 3
const WITHOUT = "805ec0dd0002"; // T54S, no module

/** `<prefix>N.{type,value,label}` of a Yealink file for the keys that are set. */
async function keysOf(mac: string, prefix: RegExp): Promise<Record<string, Record<string, string>>> {
  const text = (await c.call("GET", `/devices/${mac}/files/${mac}.cfg`)).text;
  const out: Record<string, Record<string, string>> = {};
  const re = new RegExp(`^${prefix.source}(\\d+)\\.(type|value|label) = (.*)$`, "gm");
  for (const m of text.matchAll(re)) (out[m[1]!] ??= {})[m[2]!] = m[3]!;
  return Object.fromEntries(Object.entries(out).filter(([, k]) => k.type !== "0"));
}

beforeAll(async () => {
  c = await startAdminApp();
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  for (const n of ["101", "102", "103"]) await c.call("POST", `${T}/extensions`, { number: n, displayName: `Ext ${n}` });
});
afterAll(async () => c.close());

describe("expansion modules", () => {
  it("a device with one module takes a BLF at own keys + 1 and renders it as expansion_module.1.key.1", async () => {
    const d = await c.call("POST", "/devices", { mac: WITH, model: "T54S", tenant: "acme.example", expansionModules: 1 });
    expect(d.status).toBe(201);
    expect(d.json.expansionModules).toBe(1);
    await c.call("PUT", `/devices/${WITH}/lines`, [{ index: 1, extension: "101" }]);
    const r = await c.call("PUT", `/devices/${WITH}/keys`, [{ index: 27, kind: "blf", value: "102" }, { index: 28, kind: "blf", value: "103" }]);
    expect(r.status).toBe(200);
    expect(await keysOf(WITH, /expansion_module\.1\.key\./)).toEqual({ "1": { type: "16", value: "103", label: "Ext 103" } });
    // Key 1 is the line's own key (type 15: each line keeps one, docs/vendors/README.md); 27 the BLF.
    const own = await keysOf(WITH, /linekey\./);
    expect(own["27"]).toEqual({ type: "16", value: "102", label: "Ext 102" });
    expect(Object.keys(own).sort()).toEqual(["1", "27"]);
    expect(own["1"]!.type).toBe("15");
    await c.refused("PUT", `/devices/${WITH}/keys`, [{ index: 88, kind: "blf", value: "103" }], 400, /keys\[0\]\.index: T54S has 87 programmable key\(s\) \(27 \+ 1 expansion module\(s\) × 60\), not 88/);
  });

  it("without a module the same key is refused, naming the capacity; nothing is written", async () => {
    expect((await c.call("POST", "/devices", { mac: WITHOUT, model: "T54S", tenant: "acme.example" })).json.expansionModules).toBe(0);
    await c.refused("PUT", `/devices/${WITHOUT}/keys`, [{ index: 28, kind: "blf", value: "103" }], 400, /keys\[0\]\.index: T54S has 27 programmable key\(s\), not 28/);
    await c.call("POST", `${T}/key-layouts`, { name: "wide", keys: [{ index: 28, kind: "blf", value: "102" }] });
    await c.refused("PUT", `/devices/${WITHOUT}/key-layout`, { layout: "wide" }, 400, /key 28: T54S has 27 programmable key\(s\)/);
    expect((await c.call("PUT", `/devices/${WITH}/key-layout`, { layout: "wide" })).status).toBe(200);
  });

  it("more modules than the model takes, or any on a model without a documented module, is refused", async () => {
    await c.refused("POST", "/devices", { mac: "805ec0dd0003", model: "T54S", tenant: "acme.example", expansionModules: 4 }, 400, /expansionModules: T54S takes at most 3 expansion module\(s\), not 4/);
    await c.refused("POST", "/devices", { mac: "805ec0dd0004", model: "T33G", tenant: "acme.example", expansionModules: 1 }, 400, /expansionModules: T33G takes no expansion module, not 1/);
    await c.refused("POST", "/devices", { mac: "805ec0dd0005", model: "T54S", tenant: "acme.example", expansionModules: -1 }, 400, /expansionModules/);
    await c.refused("PATCH", `/devices/${WITH}`, { expansionModules: 4 }, 400, /expansionModules: T54S takes at most 3 expansion module\(s\), not 4/);
  });

  it("removing a module, or a model without modules, is refused while a key sits on it", async () => {
    await c.refused("PATCH", `/devices/${WITH}`, { expansionModules: 0 }, 400, /expansionModules: T54S has 27 programmable key\(s\) but key 28 is set/);
    await c.refused("PATCH", `/devices/${WITH}`, { model: "T33G" }, 400, /model: T33G takes no expansion module, not 1/);
    const two = await c.call("PATCH", `/devices/${WITH}`, { expansionModules: 2 });
    expect(two.json.expansionModules).toBe(2);
    await c.call("PUT", `/devices/${WITH}/keys`, []);
    await c.call("PUT", `/devices/${WITH}/key-layout`, { layout: null });
    expect((await c.call("PATCH", `/devices/${WITH}`, { model: "T54W", expansionModules: 0 })).json).toMatchObject({ model: "T54W", expansionModules: 0 });
  });
});
