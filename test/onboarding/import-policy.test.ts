import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claimDevices } from "../../src/onboarding/claim.ts";
import { getKeys, getLines } from "../../src/services/device-layout.ts";
import { createDevice } from "../../src/services/devices.ts";
import { AllowedEndpointsInput, MonitoringInput, NumberSettingsInput } from "../../src/services/extension-settings/schemas.ts";
import { putAllowedEndpoints, putMonitoring, putNumberSettings } from "../../src/services/extension-settings/sections.ts";
import { createGroup } from "../../src/services/groups.ts";
import { createLayout, getDeviceLayout, setDeviceLayout } from "../../src/services/key-layouts.ts";
import { DeviceInput, KeysInput } from "../../src/services/schemas.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";
import { csv, exportText, importText, seedSite } from "./helpers.ts";

/**
 * The import applies the rules of the extension settings (issue 3) exactly as `PUT /devices/{mac}/lines`
 * and `PUT /devices/{mac}/keys` do: allowed endpoints, BLF policy, BLF-to-group keys and their capacity.
 */
let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

const endpoints = (ipPhone: { allowed: boolean; devices?: string[] | null }) => AllowedEndpointsInput.parse({ ipPhone: { devices: null, ...ipPhone } });

async function refused(text: string, problems: { row: number; column: string; reason: string | RegExp }[]) {
  const before = dumpDb(deps);
  const r = await importText(deps, text);
  expect(r.accepted).toBe(false);
  expect(r.problems).toEqual(problems.map((p) => ({ ...p, reason: typeof p.reason === "string" ? p.reason : expect.stringMatching(p.reason) })));
  expect(dumpDb(deps)).toBe(before);
}

describe("import: allowed endpoints", () => {
  it("refuses an extension not allowed on IP phones, naming the row, column and reason", async () => {
    await putAllowedEndpoints(deps, "acme.example", "102", endpoints({ allowed: false }));
    await refused(csv("805ec0aa0001,,T54W,acme.example,101;102,,"), [
      { row: 2, column: "lines", reason: "extension 102 is not allowed on IP phones (allowed endpoints: ipPhone off)" },
    ]);
  });

  it("allows an extension restricted to some devices only on those devices", async () => {
    await createDevice(deps, DeviceInput.parse({ mac: "805ec0aa0001", model: "T54W", tenant: "acme.example" }));
    await putAllowedEndpoints(deps, "acme.example", "103", endpoints({ allowed: true, devices: ["805ec0aa0001"] }));
    await refused(csv("805ec0aa0001,,T54W,acme.example,103,,", "805ec0aa0002,,T54W,acme.example,101;103,,"), [
      { row: 3, column: "lines", reason: "extension 103 is not allowed on device 805ec0aa0002 (allowed endpoints: ipPhone.devices does not list it)" },
    ]);
    const ok = await importText(deps, csv("805ec0aa0001,,T54W,acme.example,103,,"));
    expect(ok).toMatchObject({ accepted: true, updated: 1 });
    expect((await getLines(deps, "805ec0aa0001"))).toEqual([{ index: 1, extension: "103" }]);
  });

  it("applies the same rule to claims from the discovery inbox", async () => {
    await putAllowedEndpoints(deps, "acme.example", "102", endpoints({ allowed: false }));
    deps.recorder.discover({ mac: "805ec0aa0003", vendor: "yealink", model: "T54W", firmware: "96.86.0.1", userAgent: "Yealink", fileName: "805ec0aa0003.cfg", sourceIp: "127.0.0.1", transport: "http", at: 1 });
    deps.recorder.flush();
    const before = dumpDb(deps);
    const r = await claimDevices(deps, { mac: "805ec0aa0003", tenant: "acme.example", lines: ["101", "102"] }, "test");
    expect(r.problems).toEqual([{ row: 1, column: "lines", reason: "extension 102 is not allowed on IP phones (allowed endpoints: ipPhone off)" }]);
    expect(dumpDb(deps)).toBe(before);
  });
});

describe("import: BLF policy", () => {
  it("refuses a BLF to an extension that is not present or does not allow monitoring, with the reason", async () => {
    await putNumberSettings(deps, "acme.example", "103", NumberSettingsInput.parse({ presence: false }));
    await putMonitoring(deps, "acme.example", "104", MonitoringInput.parse({ allowMonitoring: false }));
    await refused(csv("805ec0aa0001,,T54W,acme.example,101,,2:blf:103", "805ec0aa0002,,T54W,acme.example,101,,2:blf:102|3:blf:104"), [
      { row: 2, column: "key_layout", reason: "key 2: a BLF may not watch extension 103: may not be monitored (number settings: presence off)" },
      { row: 3, column: "key_layout", reason: "key 3: a BLF may not watch extension 104: does not allow its calls to be monitored (monitoring: allowMonitoring off)" },
    ]);
  });
});

describe("import: BLF-to-group keys", () => {
  beforeEach(async () => {
    await createGroup(deps, "acme.example", { name: "Sales", members: ["102", "103", "104"] });
  });

  it("stores a blf_group key as a group key, expands it per phone, and re-imports and exports unchanged", async () => {
    const text = csv("805ec0aa0001,,T54W,acme.example,101;103,,2:blf_group:Sales:Team|6:speed_dial:5551234");
    expect(await importText(deps, text)).toMatchObject({ accepted: true, created: 1 });
    expect(deps.db.$client.prepare("select kind from device_keys").pluck().all()).toEqual(["speed_dial"]);
    expect(deps.db.$client.prepare("select key_index, label, line_index from device_group_keys").all()).toEqual([{ key_index: 2, label: "Team", line_index: 1 }]);
    expect((await getKeys(deps, "805ec0aa0001")).map((k) => [k.index, k.kind, k.value])).toEqual([[2, "blf_group", "Sales"], [6, "speed_dial", "5551234"]]);
    // 103 is the phone's own line: the group shows 102 and 104.
    expect((await getDeviceLayout(deps, "805ec0aa0001")).effectiveKeys.filter((k) => k.kind === "blf").map((k) => [k.index, k.value])).toEqual([[2, "102"], [3, "104"]]);
    const before = dumpDb(deps);
    expect(await importText(deps, text)).toMatchObject({ accepted: true, unchanged: 1, batchId: null });
    const exported = await exportText(deps);
    expect(exported).toContain("805ec0aa0001,yealink,T54W,acme.example,101;103,,2:blf_group:Sales:Team|6:speed_dial:5551234");
    expect(await importText(deps, exported)).toMatchObject({ accepted: true, unchanged: 1 });
    expect(dumpDb(deps)).toBe(before);
  });

  it("replaces group keys with the keys of a new key_layout", async () => {
    await importText(deps, csv("805ec0aa0001,,T54W,acme.example,101,,2:blf_group:Sales"));
    expect(await importText(deps, csv("805ec0aa0001,,T54W,acme.example,101,,2:blf:105"))).toMatchObject({ updated: 1 });
    expect(deps.db.$client.prepare("select count(*) from device_group_keys").pluck().get()).toBe(0);
    expect((await getKeys(deps, "805ec0aa0001")).map((k) => k.value)).toEqual(["105"]);
  });

  it("refuses an unknown group and a group that does not fit after expansion", async () => {
    // T54W: 27 keys. Sales shows 3 members from key 26 on a phone that carries none of them: 26, 27, 28.
    await refused(csv("805ec0aa0001,,T54W,acme.example,101,,2:blf_group:Nope", "805ec0aa0002,,T54W,acme.example,101,,26:blf_group:Sales", "805ec0aa0003,,T54W,acme.example,101,,2:blf_group:Sales|3:park"), [
      { row: 2, column: "key_layout", reason: 'key 2: no group "Nope" in this tenant' },
      { row: 3, column: "key_layout", reason: 'key 26: group "Sales" needs 3 key(s) from key 26 but T54W has 27' },
      { row: 4, column: "key_layout", reason: 'key 2: group "Sales" needs 3 key(s) from key 2 but key 3 is taken' },
    ]);
    // Carrying 104 on a line leaves two members: keys 26 and 27 fit.
    expect(await importText(deps, csv("805ec0aa0002,,T54W,acme.example,101;104,,26:blf_group:Sales"))).toMatchObject({ accepted: true, created: 1 });
  });

  it("re-checks the keys a device keeps (its key layout) against changed lines", async () => {
    await createLayout(deps, "acme.example", { name: "panel", keys: KeysInput.parse([{ index: 26, kind: "blf_group", value: "Sales" }]) });
    await importText(deps, csv("805ec0aa0001,,T54W,acme.example,101;104,,"));
    await setDeviceLayout(deps, "805ec0aa0001", "panel");
    // Dropping 104 from the lines brings it back into the group: three keys from 26 no longer fit.
    await refused(csv("805ec0aa0001,,T54W,acme.example,101,,"), [
      { row: 2, column: "key_layout", reason: /^the device keeps its keys \(and key layout "panel"\), but key 26: group "Sales" needs 3 key\(s\) from key 26 but T54W has 27/ },
    ]);
  });
});
