import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { provision, type Authenticator } from "../../src/provisioning/provision.ts";
import { createDevice, deviceCredentials } from "../../src/services/devices.ts";
import { POLYCOM_OUIS } from "../../src/vendors/polycom/identify.ts";
import { YEALINK_OUIS } from "../../src/vendors/yealink/identify.ts";
import { GRANDSTREAM_OUIS } from "../../src/vendors/grandstream/identify.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps({ now: new Date("2026-06-01T12:00:00Z") });
  await loadDemo(deps);
});
afterEach(() => deps.close());

const knows = (password: string): Authenticator => ({ method: "digest", check: (_u, p) => p === password });
const req = (fileName: string) => ({ transport: "tftp" as const, fileName, remoteAddress: "198.51.100.7" });

async function add(mac: string, vendor: string, model: string): Promise<Authenticator> {
  const d = await createDevice(deps, { mac, vendor, model, tenant: "demo.example", label: null });
  return knows(deviceCredentials(deps, d).password);
}

describe("a known device's record decides the vendor of <mac>.cfg", () => {
  it("serves a Yealink file to a Yealink whose OUI is in no table", async () => {
    const auth = await add("02aabb000001", "yealink", "T54W");
    const r = await provision(req("02aabb000001.cfg"), deps, auth);
    expect(r.outcome).toBe("served");
    if (r.outcome === "served") {
      expect(r.identification.vendor).toBe("yealink");
      expect(r.body.toString().startsWith("#!version:1.0.0.1\n")).toBe(true);
    }
  });

  it("serves the Polycom master file to a Polycom recorded with a Yealink OUI", async () => {
    const auth = await add("805ec0000999", "polycom", "VVX411");
    const r = await provision(req("805ec0000999.cfg"), deps, auth);
    expect(r.outcome).toBe("served");
    if (r.outcome === "served") expect(r.body.toString()).toContain("<APPLICATION ");
  });

  it("leaves unknown phones to the OUI guess", async () => {
    expect((await provision(req("02aabb000002.cfg"), deps, knows("x"))).outcome).toBe("unauthorized");
  });
});

describe("OUI tables", () => {
  it("hold the IEEE MA-L assignments of each vendor, and no OUI twice", () => {
    expect(YEALINK_OUIS).toEqual(expect.arrayContaining(["001565", "249ad8", "805e0c", "805ec0"]));
    expect(POLYCOM_OUIS).toEqual(expect.arrayContaining(["0004f2", "64167f", "482567", "bcf292"]));
    expect(GRANDSTREAM_OUIS).toEqual(["000b82", "c074ad", "ec74d7"]);
    const all = [...YEALINK_OUIS, ...POLYCOM_OUIS, ...GRANDSTREAM_OUIS];
    expect(new Set(all).size).toBe(all.length);
    for (const o of all) expect(o).toMatch(/^[0-9a-f]{6}$/);
  });
});
