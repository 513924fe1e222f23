import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { yealink } from "../../src/vendors/yealink/index.ts";
import type { Mac } from "../../src/domain/mac.ts";

let c: AdminClient;
const T = "/tenants/dect.example";
const W60B = "805ec0dd0060";
const W70B = "805e0cdd0070";

beforeAll(async () => {
  c = await startAdminClient();
  await c.call("POST", "/tenants", { sipDomain: "dect.example", sipServerHost: "pbx.dect.example" });
  for (const n of ["101", "102", "103"]) await c.call("POST", `${T}/extensions`, { number: n, displayName: `Handset ${n}` });
  expect((await c.call("POST", "/devices", { mac: W60B, vendor: "yealink", model: "W60B", tenant: "dect.example" })).status).toBe(201);
  expect((await c.call("POST", "/devices", { mac: W70B, vendor: "yealink", model: "W70B", tenant: "dect.example" })).status).toBe(201);
});
afterAll(async () => c.close());

describe("Yealink DECT bases: the model table is enforced", () => {
  it("takes a line per handset up to the base's accounts, and names each handset after its line", async () => {
    const r = await c.call("PUT", `/devices/${W60B}/lines`, [{ index: 1, extension: "101" }, { index: 8, extension: "102" }]);
    expect(r.status).toBe(200);
    const file = (await c.call("GET", `/devices/${W60B}/files/${W60B}.cfg`)).text;
    expect(file).toContain("handset.8.name = Handset 102\nhandset.8.incoming_lines = 8\n");
    expect(file).not.toMatch(/^linekey\./m);
  });

  it("refuses a ninth line on a W60B and an eleventh on a W70B, naming the limit; nothing is written", async () => {
    await c.refused("PUT", `/devices/${W60B}/lines`, [{ index: 9, extension: "103" }], 400, /W60B has 8 line\(s\), not 9/);
    await c.refused("PUT", `/devices/${W70B}/lines`, [{ index: 11, extension: "103" }], 400, /W70B has 10 line\(s\), not 11/);
    expect((await c.call("PUT", `/devices/${W70B}/lines`, [{ index: 10, extension: "103" }])).status).toBe(200);
  });

  it("refuses any programmable key: a base has none", async () => {
    await c.refused("PUT", `/devices/${W60B}/keys`, [{ index: 1, kind: "blf", value: "103" }], 400, /W60B has 0 programmable key\(s\), not 1/);
  });

  it("refuses an expansion module", async () => {
    await c.refused("PATCH", `/devices/${W70B}`, { expansionModules: 1 }, 400, /W70B takes no expansion module/);
  });
});

describe("Yealink DECT bases: identification and boot files", () => {
  it.each([
    ["Yealink W60B 77.85.0.25 80:5e:c0:09:ab:dc", "W60B"],
    ["Yealink W70B 146.85.0.5 80:5e:0c:1d:65:4e", "W70B"],
  ])("knows %s exactly", (userAgent, model) => {
    const id = yealink.identify({ fileName: "805ec009abdc.cfg", userAgent });
    expect(id).toMatchObject({ vendor: "yealink", support: "exact", model });
  });

  it("asks for its own common file", () => {
    expect(yealink.bootFiles(W70B as Mac, "W70B").map((f) => f.name)).toEqual([`${W70B}.boot`, "y000000000146.cfg", `${W70B}.cfg`]);
  });
});
