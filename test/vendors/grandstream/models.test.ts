import { describe, expect, it } from "vitest";
import { grandstream } from "../../../src/vendors/grandstream/index.ts";
import { GRANDSTREAM_MODELS } from "../../../src/vendors/grandstream/models.ts";
import { missingTemplates } from "../../../src/provisioning/template-store.ts";
import { builtinTemplateStore } from "../../helpers/templates.ts";
import type { Mac } from "../../../src/domain/mac.ts";

const store = builtinTemplateStore(["grandstream"]);

describe("grandstream model table", () => {
  it.each([
    // id, family, format, lines, keys, fixed VPKs, softkeys
    ["GXP2130", "gxp21xx", "pvalue", 3, 48, 3, 0],
    ["GXP2135", "gxp21xx", "pvalue", 4, 48, 8, 0],
    ["GXP2140", "gxp21xx", "pvalue", 4, 48, 4, 0],
    ["GXP2160", "gxp21xx", "pvalue", 4, 48, 6, 0],
    ["GXP2170", "gxp21xx", "pvalue", 4, 48, 12, 0],
    ["GRP2612", "grp26xx", "alias", 2, 16, 4, 3],
    ["GRP2613", "grp26xx", "alias", 3, 24, 6, 3],
    ["GRP2614", "grp26xx", "alias", 4, 40, 4, 3],
    ["GRP2615", "grp26xx", "alias", 5, 40, 5, 3],
    ["GRP2616", "grp26xx", "alias", 6, 40, 4, 3],
  ] as const)("%s", (id, family, format, lines, keys, fixedVpks, softkeys) => {
    expect(GRANDSTREAM_MODELS[id]).toMatchObject({ id, family, format, lines, keys, fixedVpks, softkeys });
  });

  it("caps P-value models at the four documented account layouts", () => {
    expect(GRANDSTREAM_MODELS.GXP2170).toMatchObject({ hardwareAccounts: 6, lines: 4 });
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
