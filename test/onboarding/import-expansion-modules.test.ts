import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getKeys } from "../../src/services/device-layout.ts";
import { createDevice, getDevice } from "../../src/services/devices.ts";
import { DeviceInput } from "../../src/services/schemas.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";
import { csv, importText, seedSite } from "./helpers.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

describe("CSV import with expansion modules", () => {
  it("checks key_layout against the device's own keys plus the modules it has (the CSV keeps them)", async () => {
    createDevice(deps, DeviceInput.parse({ mac: "805ec0aa0001", model: "T54S", tenant: "acme.example", expansionModules: 1 }));
    const r = await importText(deps, csv("805ec0aa0001,,T54S,acme.example,101,,28:blf:103"));
    expect(r).toMatchObject({ accepted: true, updated: 1 });
    expect(getKeys(deps, "805ec0aa0001")).toEqual([{ index: 28, kind: "blf", label: null, line: 1, value: "103" }]);
    expect(getDevice(deps, "805ec0aa0001").expansionModules).toBe(1);
  });

  it("refuses a key beyond the phone's own keys on a new device (no module), and a model that takes fewer modules", async () => {
    createDevice(deps, DeviceInput.parse({ mac: "805ec0aa0002", model: "T54S", tenant: "acme.example", expansionModules: 2 }));
    const before = dumpDb(deps);
    const r = await importText(deps, csv("805ec0aa0001,,T54S,acme.example,101,,28:blf:103", "805ec0aa0002,,T33G,acme.example,102,,"));
    expect(r.accepted).toBe(false);
    expect(r.problems).toEqual([
      { row: 2, column: "key_layout", reason: expect.stringMatching(/key 28: T54S has 27 programmable key\(s\), not 28/) },
      { row: 3, column: "model", reason: expect.stringMatching(/the device has 2 expansion module\(s\) but T33G takes no expansion module/) },
    ]);
    expect(dumpDb(deps)).toBe(before);
  });
});
