import { describe, expect, it } from "vitest";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { polycom } from "../../../src/vendors/polycom/index.ts";
import { planLineKeys } from "../../../src/vendors/shared/line-keys.ts";
import type { Vendor } from "../../../src/vendors/vendor.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";
import { expectGolden } from "../../helpers/golden.ts";
import { blf, buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";
import { builtinTemplateStore } from "../../helpers/templates.ts";

const store = builtinTemplateStore(["yealink", "polycom", "grandstream"]);

function render(vendor: Vendor, name: string, config: PhoneConfig): string {
  const out = vendor.render(name, config, store.forVendor(vendor.id));
  if (!out) throw new Error(`${name} not rendered`);
  return out.body;
}

const twoLines = [buildLine(1, "101"), buildLine(2, "102")];
// A layout of BLFs only, starting after the lines' own keys (the CSV / layout case of the audit).
const blfOnly: KeyConfig[] = [blf(3, "103"), blf(4, "104")];
const none = (index: number): KeyConfig => ({ index, kind: "none", label: "", line: 1 });

describe("planLineKeys", () => {
  it("gives each line without a line key its own key when that key is free", () => {
    expect(planLineKeys([{ index: 3, kind: "blf", line: 1 }], [1, 2], 12)).toEqual({ added: [{ index: 1, line: 1 }, { index: 2, line: 2 }], missing: [], givenAway: [] });
  });

  it("keeps an explicit line key and adds nothing for that line", () => {
    expect(planLineKeys([{ index: 5, kind: "line", line: 1 }], [1], 12).added).toEqual([]);
  });

  it("moves a line whose own key is taken to the first free key", () => {
    const keys = [{ index: 1, kind: "blf", line: 1 }, { index: 2, kind: "blf", line: 1 }];
    expect(planLineKeys(keys, [1, 2], 4)).toEqual({ added: [{ index: 3, line: 1 }, { index: 4, line: 2 }], missing: [], givenAway: [] });
  });

  it("reports a line with no free key left, and a line given away with a none key", () => {
    const keys = [{ index: 1, kind: "none", line: 1 }, { index: 2, kind: "blf", line: 1 }];
    expect(planLineKeys(keys, [1, 2], 2)).toEqual({ added: [], missing: [2], givenAway: [1] });
  });

  it("plans nothing for a phone without line keys", () => {
    expect(planLineKeys([], [1], 0)).toEqual({ added: [], missing: [], givenAway: [] });
  });
});

describe("line keys never vanish", () => {
  it("Yealink: every configured line without a line key gets type 15 on its own key", async () => {
    const config = buildPhoneConfig("yealink", "T46S", "805ec0a1b2c7", { lines: twoLines, keys: blfOnly });
    const body = render(yealink, "805ec0a1b2c7.cfg", config);
    expect(body).toContain("linekey.1.type = 15\nlinekey.1.line = 1\nlinekey.1.value = 101\n");
    expect(body).toContain("linekey.2.type = 15\nlinekey.2.line = 2\nlinekey.2.value = 102\n");
    expectGolden(body, "yealink/T46S-blf-only.cfg");
  });

  it("Yealink: a phone imported with no keys at all still shows its line", () => {
    const config = buildPhoneConfig("yealink", "T54W", "805ec0a1b255", { keys: [] });
    expect(render(yealink, "805ec0a1b255.cfg", config)).toContain("linekey.1.type = 15\nlinekey.1.line = 1\n");
  });

  it("Yealink: a none key on the line's own key gives the line key away", () => {
    const config = buildPhoneConfig("yealink", "T46S", "805ec0a1b2c7", { lines: twoLines, keys: [none(2), ...blfOnly] });
    const body = render(yealink, "805ec0a1b2c7.cfg", config);
    expect(body).toContain("linekey.1.type = 15\n");
    expect(body).toContain("linekey.2.type = 0\n");
    expect(body).not.toMatch(/linekey\.\d+\.type = 15\nlinekey\.\d+\.line = 2\n/);
  });

  it("Polycom: a layout of BLFs keeps a Line key for each registration", async () => {
    const config = buildPhoneConfig("polycom", "VVX411", "64167f0a0b11", { lines: twoLines, keys: blfOnly });
    const body = render(polycom, "64167f0a0b11-phonehome.cfg", config);
    expect(body).toContain('lineKey.1.category="Line" lineKey.1.index="1" lineKey.2.category="Line" lineKey.2.index="2"');
    expectGolden(body, "polycom/VVX411-blf-only.cfg");
  });

  it("Polycom: a none key leaves the key Unassigned", () => {
    const config = buildPhoneConfig("polycom", "VVX411", "64167f0a0b11", { lines: twoLines, keys: [none(1), ...blfOnly] });
    expect(render(polycom, "64167f0a0b11-phonehome.cfg", config)).toContain('lineKey.1.category="Unassigned" lineKey.1.index="0" lineKey.2.category="Line" lineKey.2.index="2"');
  });

  it("Grandstream GRP: unassigned VPKs of configured accounts become Line keys", async () => {
    const config = buildPhoneConfig("grandstream", "GRP2614", "c074ad0b63ef", { lines: twoLines, keys: blfOnly });
    const body = render(grandstream, "cfgc074ad0b63ef.xml", config);
    expect(body).toContain('<item name="pks.vpk.1.keyMode">Line</item>\n    <item name="pks.vpk.1.account">0</item>');
    expect(body).toContain('<item name="pks.vpk.2.keyMode">Line</item>\n    <item name="pks.vpk.2.account">1</item>');
    expectGolden(body, "grandstream/cfgc074ad0b63ef-grp2614-blf-only.xml");
  });
});
