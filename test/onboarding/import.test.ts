import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listDiscovered } from "../../src/services/discovery.ts";
import { getKeys, getLines, setKeys } from "../../src/services/device-layout.ts";
import { createDevice, deviceCredentials, getDevice } from "../../src/services/devices.ts";
import { DeviceInput, KeyInput } from "../../src/services/schemas.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";
import { csv, exportText, importText, seedSite } from "./helpers.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

const GOOD = csv(
  "80:5E:C0:AA:00:01,,T54W,acme.example,101;102,Reception,2:blf:103|3:speed_dial:5551234:Front desk|4:park",
  "0004f2aa0002,polycom,VVX411,acme.example,103,,",
  "c0-74-ad-aa-00-03,,GRP2614,acme.example,104;;105,Sales,",
);

describe("CSV import", () => {
  it("imports every row with generated credentials and the lines and keys given", async () => {
    const r = await importText(deps, GOOD);
    expect(r).toMatchObject({ accepted: true, rows: 3, created: 3, updated: 0, unchanged: 0, problemCount: 0 });
    expect(r.batchId).toBeTypeOf("number");
    const d = await getDevice(deps, "805ec0aa0001");
    expect(d).toMatchObject({ vendor: "yealink", model: "T54W", label: "Reception", provUsername: "805ec0aa0001" });
    expect(deviceCredentials(deps, d).password).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(deviceCredentials(deps, d).adminPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await getLines(deps, "805ec0aa0001"))).toEqual([{ index: 1, extension: "101" }, { index: 2, extension: "102" }]);
    expect((await getKeys(deps, "805ec0aa0001"))).toEqual([
      { index: 2, kind: "blf", label: null, line: 1, value: "103" },
      { index: 3, kind: "speed_dial", label: "Front desk", line: 1, value: "5551234" },
      { index: 4, kind: "park", label: null, line: 1, value: null },
    ]);
    expect((await getLines(deps, "c074adaa0003"))).toEqual([{ index: 1, extension: "104" }, { index: 3, extension: "105" }]);
  });

  it("writes nothing on a dry run, and reports what it would do", async () => {
    const before = dumpDb(deps);
    const r = await importText(deps, GOOD, true);
    expect(r).toMatchObject({ accepted: true, dryRun: true, created: 3, batchId: null });
    expect(dumpDb(deps)).toBe(before);
  });

  it("changes nothing when the same file is imported again", async () => {
    await importText(deps, GOOD);
    const before = dumpDb(deps);
    const again = await importText(deps, GOOD);
    expect(again).toMatchObject({ accepted: true, created: 0, updated: 0, unchanged: 3, batchId: null });
    expect(dumpDb(deps)).toBe(before);
  });

  it("updates a device whose row changed, with its lines, and keeps keys when key_layout is empty", async () => {
    await importText(deps, GOOD);
    const r = await importText(deps, csv("805ec0aa0001,,T46U,acme.example,105,Lobby,", "0004f2aa0002,polycom,VVX411,acme.example,103,,"));
    expect(r).toMatchObject({ updated: 1, unchanged: 1, created: 0 });
    expect((await getDevice(deps, "805ec0aa0001"))).toMatchObject({ model: "T46U", label: "Lobby" });
    expect((await getLines(deps, "805ec0aa0001"))).toEqual([{ index: 1, extension: "105" }]);
    expect((await getKeys(deps, "805ec0aa0001"))).toHaveLength(3);
  });

  it("takes a device out of the discovery inbox when it is imported", async () => {
    deps.recorder.discover({ mac: "805ec0aa0001", vendor: "yealink", model: "T54W", firmware: "96.86.0.1", userAgent: "Yealink", fileName: "805ec0aa0001.cfg", sourceIp: "127.0.0.1", transport: "http", at: 1 });
    deps.recorder.flush();
    expect(await listDiscovered(deps)).toHaveLength(1);
    await importText(deps, GOOD);
    expect(await listDiscovered(deps)).toHaveLength(0);
  });

  it("round-trips a site through export: importing the export changes nothing", async () => {
    await importText(deps, GOOD);
    await createDevice(deps, DeviceInput.parse({ mac: "805ec0aa0009", model: "T46U", tenant: "acme.example" }));
    await setKeys(deps, "805ec0aa0009", [KeyInput.parse({ index: 1, kind: "speed_dial", value: "*78", label: "DND | a:b \\ c" }), KeyInput.parse({ index: 2, kind: "line", line: 2 })]);
    const text = await exportText(deps);
    expect(text).toContain("805ec0aa0001,yealink,T54W,acme.example,101;102,Reception,2:blf:103|3:speed_dial:5551234:Front desk|4:park");
    expect(text).toContain("c074adaa0003,grandstream,GRP2614,acme.example,104;;105,Sales,");
    const before = dumpDb(deps);
    // The device without lines cannot be imported (lines are required): drop it for the round trip.
    const r = await importText(deps, text.split("\n").filter((l) => !l.startsWith("805ec0aa0009")).join("\n"));
    expect(r).toMatchObject({ accepted: true, unchanged: 3, created: 0, updated: 0 });
    expect(dumpDb(deps)).toBe(before);
    expect(text).toContain(String.raw`1:speed_dial:*78:DND \| a\:b \\ c|2:line:::2`);
  });
});

describe("CSV import problems", () => {
  it.each([
    ["a malformed MAC", "80:5e:c0:aa,,T54W,acme.example,101,,", "mac", /"80:5e:c0:aa" is not a MAC address/],
    ["an empty MAC", ",,T54W,acme.example,101,,", "mac", /is empty/],
    ["an unknown vendor", "805ec0aa0001,cisco,T54W,acme.example,101,,", "vendor", /unknown vendor "cisco"/],
    ["an OUI of no vendor", "123456aa0001,,T54W,acme.example,101,,", "vendor", /OUI 123456 .* give the vendor/],
    ["an unknown model", "805ec0aa0001,,T99X,acme.example,101,,", "model", /unknown yealink model "T99X" \(known: .*T54W/],
    ["an unknown tenant", "805ec0aa0001,,T54W,nowhere,101,,", "tenant", /no tenant named nowhere/],
    ["an unknown extension", "805ec0aa0001,,T54W,acme.example,101;199,,", "lines", /extension 199 does not exist in tenant acme.example/],
    ["an extension of another tenant", "805ec0aa0001,,T54W,acme.example,301,,", "lines", /extension 301 does not exist in tenant acme.example/],
    ["something that is no extension number", "805ec0aa0001,,T54W,acme.example,10a,,", "lines", /"10a" is not an extension number/],
    ["no extension", "805ec0aa0001,,T54W,acme.example,,,", "lines", /no extension given/],
    ["more lines than the model has", "805ec0aa0001,,T31G,acme.example,101;102;103,,", "lines", /3 lines given but T31G has 2 line\(s\), not 3/],
    ["a key beyond the model", "805ec0aa0001,,T31G,acme.example,101,,9:park", "key_layout", /key 9: T31G has \d+ programmable key\(s\), not 9/],
    ["a BLF on an unknown extension", "805ec0aa0001,,T54W,acme.example,101,,2:blf:199", "key_layout", /key 2: extension 199 does not exist/],
    ["an unknown key kind", "805ec0aa0001,,T54W,acme.example,101,,2:intercom", "key_layout", /key 2: kind/],
    ["a key given twice", "805ec0aa0001,,T54W,acme.example,101,,2:park|2:park", "key_layout", /key 2 is given twice/],
    ["a label with a line break", '805ec0aa0001,,T54W,acme.example,101,"a\nb",', "label", /control characters/],
  ])("reports %s with row, column and reason", async (_what, row, column, reason) => {
    const before = dumpDb(deps);
    const r = await importText(deps, csv("0004f2aa0002,polycom,VVX411,acme.example,103,,", row));
    expect(r.accepted).toBe(false);
    expect(r.problems).toEqual([{ row: 3, column, reason: expect.stringMatching(reason) }]);
    expect(dumpDb(deps)).toBe(before);
  });

  it("reports a MAC given twice in the file, naming the first row", async () => {
    const r = await importText(deps, csv("805ec0aa0001,,T54W,acme.example,101,,", "80-5e-c0-aa-00-01,,T54W,acme.example,102,,"));
    expect(r.problems).toEqual([{ row: 3, column: "mac", reason: "805ec0aa0001 is also on row 2" }]);
  });

  it("reports a MAC that is already a device of another tenant", async () => {
    await createDevice(deps, DeviceInput.parse({ mac: "805ec0aa0001", model: "T54W", tenant: "other.example" }));
    const before = dumpDb(deps);
    const r = await importText(deps, csv("805ec0aa0001,,T54W,acme.example,101,,"));
    expect(r.problems).toEqual([{ row: 2, column: "mac", reason: "805ec0aa0001 is already a device of tenant other.example" }]);
    expect(dumpDb(deps)).toBe(before);
  });

  it("reports a row with a missing field as a whole-row problem", async () => {
    const r = await importText(deps, csv("805ec0aa0001,,T54W,acme.example"));
    expect(r.problems).toEqual([{ row: 2, column: null, reason: expect.stringMatching(/has 4 field\(s\) but the header has 7/) }]);
  });

  it("reports every problem of the file at once, in file order", async () => {
    const r = await importText(deps, csv("zz,,T54W,acme.example,101,,", "805ec0aa0002,,T54W,nowhere,101,,", "805ec0aa0003,,T99,acme.example,199,,"));
    expect(r.problems.map((p) => [p.row, p.column])).toEqual([[2, "mac"], [3, "tenant"], [4, "model"]]);
    expect(r.problemCount).toBe(3);
  });

  it("leaves the database untouched when only row 99,999 is bad", async () => {
    const rows = Array.from({ length: 99_998 }, (_, n) => `805ec0${n.toString(16).padStart(6, "0")},,T54W,acme.example,101,,`);
    const before = dumpDb(deps);
    const r = await importText(deps, csv(...rows, "805ec0ffffff,,T54W,acme.example,199,,"));
    expect(r.rows).toBe(99_999);
    expect(r.problems).toEqual([{ row: 100_000, column: "lines", reason: expect.stringMatching(/extension 199/) }]);
    expect(dumpDb(deps)).toBe(before);
  }, 30_000);
});

describe("malformed CSV", () => {
  const UTF8_ROW = "805ec0aa0001,,T54W,acme.example,101,Zoë,";
  it.each([
    ["an empty file", "", /malformed CSV: the file is empty/],
    ["a header without rows", `mac,vendor,model,tenant,lines,label,key_layout\n`, /header but no device rows/],
    ["a missing header", "805ec0aa0001,,T54W,acme.example,101,,\n", /the first line is a device, not the header/],
    ["an unknown column", "mac,model,tenant,lines,colour\n", /unknown column "colour"/],
    ["a header without required columns", "mac,model\n", /lacks the column\(s\) tenant, lines/],
    ["an unclosed quote (truncated file)", csv('805ec0aa0001,,T54W,acme.example,101,"Recep'), /quoted field .* never closed .*truncated/],
    ["a stray quote", csv('805ec0aa0001,,T54W,acme.example,101,"Rec"ep,'), /line 2: a closing quote must be followed by a comma/],
    ["a UTF-16 file", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(UTF8_ROW), "utf16le")]), /UTF-16/],
    ["invalid UTF-8 (Latin-1)", Buffer.from(csv(UTF8_ROW), "latin1"), /not valid UTF-8 \(line 2\)/],
    ["a file cut inside a UTF-8 character", Buffer.from(csv(UTF8_ROW)).subarray(0, csv(UTF8_ROW).indexOf("ë") + 1), /middle of a UTF-8 character/],
  ])("refuses %s with a clear error and no change", async (_what, text, message) => {
    const before = dumpDb(deps);
    await expect(importText(deps, text)).rejects.toThrow(message);
    expect(dumpDb(deps)).toBe(before);
  });

  it("accepts a UTF-8 byte-order mark and CRLF line ends (Excel's CSV UTF-8)", async () => {
    const text = `\uFEFF${csv("805ec0aa0001,,T54W,acme.example,101,Zoë,").replace(/\n/g, "\r\n")}`;
    const r = await importText(deps, text);
    expect(r).toMatchObject({ accepted: true, created: 1 });
    expect((await getDevice(deps, "805ec0aa0001")).label).toBe("Zoë");
  });
});

describe("changes between the check and the write", () => {
  it("refuses the whole import when a device changed after the file was checked", async () => {
    const { Planner } = await import("../../src/onboarding/planner.ts");
    const { openLookups } = await import("../../src/onboarding/lookups.ts");
    const { applyPlan } = await import("../../src/onboarding/apply.ts");
    const { updateDevice } = await import("../../src/services/devices.ts");
    await importText(deps, GOOD);
    const lookups = await openLookups(deps);
    const planner = new Planner(lookups);
    const records = [
      { row: 2, mac: "805ec0aa0001", vendor: "", model: "T46U", tenant: "acme.example", lines: "101", label: "", keyLayout: "" },
      { row: 3, mac: "805ec0aa0005", vendor: "", model: "T46U", tenant: "acme.example", lines: "101", label: "", keyLayout: "" },
    ];
    await lookups.load(records);
    for (const r of records) planner.add(r);
    const plan = planner.finish();
    await updateDevice({ ...deps, clock: () => new Date(Date.now() + 5000) }, "805ec0aa0001", { label: "changed meanwhile" });
    const before = dumpDb(deps);
    await expect(applyPlan(deps, plan, { actor: "test", source: "csv", fileName: null })).rejects.toThrow(/805ec0aa0001 changed while the file was being checked; nothing was imported/);
    expect(dumpDb(deps)).toBe(before);
  });
});
