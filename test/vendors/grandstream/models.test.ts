import { describe, expect, it } from "vitest";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { GRANDSTREAM_MODELS } from "../../../src/vendors/grandstream/models.ts";
import { missingTemplates } from "../../../src/provisioning/template-store.ts";
import { builtinTemplateStore } from "../../helpers/templates.ts";
import type { Mac } from "../../../src/domain/mac.ts";

const store = builtinTemplateStore(["grandstream"]);

describe("grandstream model table", () => {
  it.each([
    // id, family, format, lines, keys (VPKs + physical MPKs), fixed VPKs, softkeys
    ["GXP2130", "gxp21xx", "alias", 3, 12 + 8, 3, 3],
    ["GXP2135", "gxp21xx", "alias", 4, 32, 8, 3],
    ["GXP2140", "gxp21xx", "alias", 4, 16, 4, 3],
    ["GXP2160", "gxp21xx", "alias", 6, 24 + 24, 6, 3],
    ["GXP2170", "gxp21xx", "alias", 6, 48, 12, 3],
    ["GRP2612", "grp26xx", "alias", 2, 16, 4, 3],
    ["GRP2613", "grp26xx", "alias", 3, 24, 6, 3],
    ["GRP2614", "grp26xx", "alias", 4, 40, 4, 3],
    ["GRP2615", "grp26xx", "alias", 5, 40, 5, 3],
    ["GRP2616", "grp26xx", "alias", 6, 40, 4, 3],
  ] as const)("%s", (id, family, format, lines, keys, fixedVpks, softkeys) => {
    expect(GRANDSTREAM_MODELS[id]).toMatchObject({ id, family, format, lines, keys, fixedVpks, softkeys });
  });

  it("gives GXP21xx the VPK and MPK counts of Grandstream's 1.0.11.79 template, lines only on fixed VPKs", () => {
    expect(GRANDSTREAM_MODELS.GXP2130).toMatchObject({ vpks: 12, mpks: 8, lineKeySlots: 3 });
    expect(GRANDSTREAM_MODELS.GXP2160).toMatchObject({ vpks: 24, mpks: 24, lineKeySlots: 6 });
    expect(GRANDSTREAM_MODELS.GXP2170).toMatchObject({ hardwareAccounts: 6, lines: 6, vpks: 48, mpks: 0 });
  });

  it("has every required template", () => {
    expect(missingTemplates(store, [grandstream])).toEqual([]);
  });
});

describe("grandstream bootFiles", () => {
  it("lists the device file, the model file and cfg.xml in the phone's order", () => {
    expect(grandstream.bootFiles("c074ad0b63ee" as Mac, "GRP2614")).toEqual([
      { name: "cfgc074ad0b63ee.xml", kind: "device" },
      { name: "cfggrp2614.xml", kind: "common" },
      { name: "cfg.xml", kind: "common" },
    ]);
  });

  it("leaves out the legacy binary cfg<mac>, which is never served", () => {
    expect(grandstream.bootFiles("000b828aa872" as Mac, "GXP2140").map((f) => f.name)).not.toContain("cfg000b828aa872");
  });

  it("every listed file renders", () => {
    const templates = store.forVendor("grandstream");
    for (const f of grandstream.bootFiles("000b828aa872" as Mac, "GXP2140").filter((x) => x.kind === "common")) {
      expect(grandstream.render(f.name, null, templates)).not.toBeNull();
    }
  });
});
