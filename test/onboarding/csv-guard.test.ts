import { text } from "node:stream/consumers";
import { parse } from "csv-parse/sync";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportDevicesCsv } from "../../src/onboarding/export.ts";
import { getDevice, updateDevice } from "../../src/services/devices.ts";
import { DevicePatch } from "../../src/services/schemas.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";
import { csv, importText, seedSite } from "./helpers.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

// Labels a spreadsheet would run as a formula (OWASP CSV injection), and look-alikes that must survive.
const LABELS: readonly (readonly [string, string])[] = [
  ["805ec0aa0001", '=HYPERLINK("http://127.0.0.1/x","Reception")'],
  ["805ec0aa0002", "+1 555 0100"],
  ["805ec0aa0003", "-2+3"],
  ["805ec0aa0004", "@SUM(A1:A9)"],
  ["805ec0aa0005", "'=already quoted"],
  ["805ec0aa0006", "'plain quote"],
  ["805ec0aa0007", "Front desk = 1"],
];

describe("CSV export guards formula cells", () => {
  it("prefixes cells starting with = + - @ with a quote and the import strips it: the round trip keeps every label", async () => {
    // Set through the API's service (a technician's PATCH), not a CSV: an import reads `'=` as guarded.
    expect((await importText(deps, csv(...LABELS.map(([mac]) => `${mac},,T54W,acme.example,101,placeholder,`)))).accepted).toBe(true);
    for (const [mac, label] of LABELS) await updateDevice(deps, mac, DevicePatch.parse({ label }));
    for (const [mac, label] of LABELS) expect((await getDevice(deps, mac)).label).toBe(label);

    const exported = await text(await exportDevicesCsv(deps));
    const cells = new Map((parse(exported, { columns: true }) as { mac: string; label: string }[]).map((r) => [r.mac, r.label]));
    expect(cells.get("805ec0aa0001")).toBe(`'=HYPERLINK("http://127.0.0.1/x","Reception")`);
    expect(cells.get("805ec0aa0002")).toBe("'+1 555 0100");
    expect(cells.get("805ec0aa0003")).toBe("'-2+3");
    expect(cells.get("805ec0aa0004")).toBe("'@SUM(A1:A9)");
    expect(cells.get("805ec0aa0005")).toBe("''=already quoted");
    expect(cells.get("805ec0aa0006")).toBe("'plain quote");
    expect(cells.get("805ec0aa0007")).toBe("Front desk = 1");
    for (const label of cells.values()) expect(label).not.toMatch(/^[=+\-@\t\r]/);
    // A hand-written file may guard a cell the same way; the quote is not stored.
    await importText(deps, csv(`805ec0aa0007,,T54W,acme.example,101,'=1+1,`));
    expect((await getDevice(deps, "805ec0aa0007")).label).toBe("=1+1");
    await updateDevice(deps, "805ec0aa0007", DevicePatch.parse({ label: "Front desk = 1" }));

    const before = dumpDb(deps);
    const again = await importText(deps, exported);
    expect(again).toMatchObject({ accepted: true, unchanged: LABELS.length, created: 0, updated: 0 });
    expect(dumpDb(deps)).toBe(before);
  });
});
