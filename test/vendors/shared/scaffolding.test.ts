import { describe, expect, it } from "vitest";
import type { PhoneConfig } from "../../../src/domain/phone-config.ts";
import { vendors } from "../../../src/vendors/registry.ts";
import { buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";
import { builtinTemplates } from "../../helpers/templates.ts";

const CASES = [
  { vendor: "yealink", model: "T46U", mac: "805ec0a1b254", file: "805ec0a1b254.cfg", on: "call_waiting.enable = 1", off: "call_waiting.enable = 0" },
  { vendor: "polycom", model: "VVX411", mac: "0004f2a1b2c3", file: "0004f2a1b2c3-phonehome.cfg", on: 'call.callWaiting.enable="1"', off: 'call.callWaiting.enable="0"' },
  { vendor: "grandstream", model: "GXP2140", mac: "000b828aa872", file: "cfg000b828aa872.xml", on: "<item name=\"call.callWaiting.enable\">Yes</item>", off: "<item name=\"call.callWaiting.enable\">No</item>" },
] as const;

function render(c: (typeof CASES)[number], config: PhoneConfig): string {
  return vendors[c.vendor].render(c.file, config, builtinTemplates(c.vendor))!.body;
}

describe.each(CASES)("shared vendor scaffolding: $vendor", (c) => {
  it("phone-wide call waiting follows line 1, whatever the order of the lines", () => {
    const lines = [buildLine(2, "102", { callWaiting: true }), buildLine(1, "101", { callWaiting: false })];
    expect(render(c, buildPhoneConfig(c.vendor, c.model, c.mac, { lines }))).toContain(c.off);
  });

  it("a phone without a line 1 keeps call waiting on", () => {
    const lines = [buildLine(2, "102", { callWaiting: false })];
    expect(render(c, buildPhoneConfig(c.vendor, c.model, c.mac, { lines }))).toContain(c.on);
  });

  it("renders no device file for another vendor's device with the same MAC and model name (the vendor guard)", () => {
    const config = buildPhoneConfig(c.vendor, c.model, c.mac);
    const other = { ...config, device: { ...config.device, vendor: c.vendor === "yealink" ? "polycom" : "yealink" } } as const;
    expect(render(c, config).length).toBeGreaterThan(0);
    expect(vendors[c.vendor].render(c.file, other, builtinTemplates(c.vendor))).toBeNull();
  });
});
