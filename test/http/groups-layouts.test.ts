import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;
const T = "/tenants/acme.example";
const MAC = "805ec0cc0001"; // T54W: 27 programmable keys
const SMALL = "805ec0cc0002"; // T31G: 2 keys

/** linekey.N.* of a Yealink file as { N: { type, value, extension } } for the keys that are set. */
async function lineKeys(mac: string): Promise<Record<string, Record<string, string>>> {
  const text = (await c.call("GET", `/devices/${mac}/files/${mac}.cfg`)).text;
  const keys: Record<string, Record<string, string>> = {};
  for (const m of text.matchAll(/^linekey\.(\d+)\.(type|value|extension) = (.*)$/gm)) (keys[m[1]!] ??= {})[m[2]!] = m[3]!;
  return Object.fromEntries(Object.entries(keys).filter(([, k]) => k.type !== "0"));
}

beforeAll(async () => {
  c = await startAdminApp();
  await c.call("POST", "/tenants", { sipDomain: "acme.example", sipServerHost: "pbx.acme.example" });
  for (const n of ["101", "102", "103", "104", "105", "1000"]) await c.call("POST", `${T}/extensions`, { number: n, displayName: `Ext ${n}` });
  await c.call("POST", "/devices", { mac: MAC, model: "T54W", tenant: "acme.example" });
  await c.call("POST", "/devices", { mac: SMALL, model: "T31G", tenant: "acme.example" });
  await c.call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "101" }]);
  await c.call("PUT", `/devices/${SMALL}/lines`, [{ index: 1, extension: "105" }]);
});
afterAll(async () => c.close());

describe("groups", () => {
  it("creates, renames, adds and removes members; the extension sees its groups", async () => {
    const g = await c.call("POST", `${T}/groups`, { name: "Sales", members: ["1000", "103", "101"] });
    expect(g.json).toEqual({ name: "Sales", members: ["101", "103", "1000"] });
    await c.refused("POST", `${T}/groups`, { name: "Sales" }, 409, /group "Sales" already exists/);
    await c.refused("POST", `${T}/groups`, { name: "Bad", members: ["999"] }, 400, /members: extension 999 does not exist/);
    expect((await c.call("PATCH", `${T}/groups/Sales`, { name: "Front" })).json.name).toBe("Front");
    expect((await c.call("PUT", `${T}/groups/Front/members/102`)).json.members).toEqual(["101", "102", "103", "1000"]);
    expect((await c.call("DELETE", `${T}/groups/Front/members/1000`)).json.members).toEqual(["101", "102", "103"]);
    expect((await c.call("GET", `${T}/extensions/102/groups`)).json.groups).toEqual(["Front"]);
    await c.call("POST", `${T}/groups`, { name: "Back" });
    expect((await c.call("PUT", `${T}/extensions/104/groups`, { groups: ["Back", "Front"] })).json.groups).toEqual(["Back", "Front"]);
    await c.refused("PUT", `${T}/extensions/104/groups`, { groups: ["Nope"] }, 400, /groups\[0\]: no group "Nope"/);
  });

  it("a BLF key on a group expands to one BLF per member, without the phone's own line, in number order", async () => {
    const r = await c.call("PUT", `/devices/${MAC}/keys`, [
      { index: 1, kind: "line" },
      { index: 3, kind: "blf_group", value: "Front" },
    ]);
    expect(r.json.keys).toContainEqual({ index: 3, kind: "blf_group", label: null, line: 1, value: "Front" });
    const keys = await lineKeys(MAC);
    expect(Object.keys(keys)).toEqual(["1", "3", "4", "5"]);
    expect([keys["3"]!.value, keys["4"]!.value, keys["5"]!.value]).toEqual(["102", "103", "104"]);
    expect(keys["3"]).toMatchObject({ type: "16", extension: "*35" });
  });

  it("checks capacity and collisions, for the key write and for later member changes", async () => {
    await c.refused("PUT", `/devices/${MAC}/keys`, [{ index: 3, kind: "blf_group", value: "Front" }, { index: 4, kind: "speed_dial", value: "5" }], 400, /group "Front" needs 3 key\(s\) from key 3 but key 4 is taken/);
    await c.refused("PUT", `/devices/${SMALL}/keys`, [{ index: 1, kind: "blf_group", value: "Front" }], 400, /group "Front" needs 4 key\(s\) from key 1 but T31G has 2/);
    await c.call("POST", `${T}/groups`, { name: "Pair", members: ["102"] });
    expect((await c.call("PUT", `/devices/${SMALL}/keys`, [{ index: 1, kind: "blf_group", value: "Pair" }])).status).toBe(200);
    expect((await c.call("PUT", `${T}/groups/Pair/members/103`)).status).toBe(200);
    await c.refused("PUT", `${T}/groups/Pair/members/104`, undefined, 400, /members of group "Pair": on device 805ec0cc0002, key 1: group "Pair" needs 3 key\(s\) from key 1 but T31G has 2/);
    await c.refused("DELETE", `${T}/groups/Front`, undefined, 409, /target of BLF keys/);
  });

  it("leaves out members that refuse monitoring, and checks capacity when they allow it again", async () => {
    await c.call("PUT", `${T}/extensions/103/monitoring`, { allowMonitoring: false });
    expect(Object.values(await lineKeys(MAC)).map((k) => k.value)).toEqual(["101", "102", "104"]);
    expect((await c.call("PUT", `${T}/groups/Pair/members/104`)).status).toBe(200); // Pair = 102, (103), 104: fits 2 keys
    await c.refused("PUT", `${T}/extensions/103/monitoring`, { allowMonitoring: true }, 400, /allowMonitoring: on device 805ec0cc0002, key 1: group "Pair" needs 3 key\(s\)/);
    await c.call("DELETE", `${T}/groups/Pair/members/104`);
    expect((await c.call("PUT", `${T}/extensions/103/monitoring`, { allowMonitoring: true })).status).toBe(200);
  });

  it("checks a model change against the group expansion", async () => {
    await c.refused("PATCH", `/devices/${MAC}`, { model: "T31G" }, 400, /model: on device 805ec0cc0001, key 3: T31G has 2 programmable key\(s\)/);
  });
});

describe("key layouts", () => {
  it("a named layout is shared; a device's own keys override it slot by slot", async () => {
    const l = await c.call("POST", `${T}/key-layouts`, {
      name: "reception panel",
      keys: [
        { index: 1, kind: "line" },
        { index: 2, kind: "speed_dial", label: "Lobby", value: "5551234" },
        { index: 6, kind: "blf", value: "1000" },
        { index: 7, kind: "feature", value: "dnd_on" },
      ],
    });
    expect(l.status).toBe(201);
    await c.call("PUT", `/devices/${MAC}/keys`, [{ index: 2, kind: "speed_dial", label: "Mine", value: "777" }]);
    const set = await c.call("PUT", `/devices/${MAC}/key-layout`, { layout: "reception panel" });
    expect(set.json.layout).toBe("reception panel");
    expect(set.json.effectiveKeys.map((k: any) => [k.index, k.kind, k.value, k.source])).toEqual([
      [1, "line", null, "layout"],
      [2, "speed_dial", "777", "device"],
      [6, "blf", "1000", "layout"],
      [7, "feature", "dnd_on", "layout"],
    ]);
    const keys = await lineKeys(MAC);
    expect(keys["2"]).toMatchObject({ type: "13", value: "777" });
    expect(keys["6"]).toMatchObject({ type: "16", value: "1000" });
    expect(keys["7"]).toMatchObject({ type: "13", value: "*78" });
  });

  it("checks the layout against each phone's capacity", async () => {
    await c.refused("PUT", `/devices/${SMALL}/key-layout`, { layout: "reception panel" }, 400, /layout: on device 805ec0cc0002, key 1: group "Pair" needs 2 key\(s\) from key 1 but key 2 is taken/);
    await c.refused("PUT", `${T}/key-layouts/reception panel`, { keys: [{ index: 28, kind: "line" }] }, 400, /key layout "reception panel": on device 805ec0cc0001, key 28: T54W has 27/);
    await c.refused("DELETE", `${T}/key-layouts/reception panel`, undefined, 409, /used by 1 device/);
    await c.refused("DELETE", `${T}/extensions/1000`, undefined, 409, /watched by key layout\(s\) reception panel/);
  });
});

describe("feature codes", () => {
  it("softkeys, feature keys and BLF pickup follow an edit at the next fetch", async () => {
    await c.call("PUT", `/devices/${MAC}/key-layout`, { layout: null });
    await c.call("PUT", `/devices/${MAC}/keys`, [{ index: 2, kind: "blf", value: "102" }, { index: 3, kind: "feature", value: "dnd_on" }]);
    const before = (await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`)).text;
    expect(before).toContain("programablekey.1.value = *78");
    const patched = await c.call("PATCH", `${T}/feature-codes`, { dnd_on: "*70", directed_pickup: "**" });
    expect(patched.json.featureCodes).toMatchObject({ dnd_on: "*70", directed_pickup: "**" });
    const after = (await c.call("GET", `/devices/${MAC}/files/${MAC}.cfg`)).text;
    expect(after).toContain("programablekey.1.value = *70");
    expect(after).toContain("linekey.2.extension = **");
    expect(after).toContain("linekey.3.value = *70");
    expect(after).toContain("account.1.direct_pickup_code = **");
  });
});
