import { describe, expect, it } from "vitest";
import { capacityText, expansionModulesProblem, keyLimits, keySlot } from "../../src/vendors/key-capacity.ts";
import { YEALINK_MODELS } from "../../src/vendors/yealink/models.ts";

describe("key capacity", () => {
  it("adds the attached modules' keys to the phone's own keys", () => {
    expect(keyLimits(YEALINK_MODELS.T54S, 0).capacity).toBe(27);
    expect(keyLimits(YEALINK_MODELS.T54S, 3).capacity).toBe(27 + 3 * 60);
    expect(keyLimits(YEALINK_MODELS.T46S, 6).capacity).toBe(27 + 6 * 40);
    expect(capacityText(keyLimits(YEALINK_MODELS.T54S, 2))).toBe("T54S has 147 programmable key(s) (27 + 2 expansion module(s) × 60)");
  });

  it("addresses indexes after the own keys to the modules in order", () => {
    const l = keyLimits(YEALINK_MODELS.T54S, 3);
    expect(keySlot(l, 27)).toEqual({ module: 0, key: 27 });
    expect(keySlot(l, 28)).toEqual({ module: 1, key: 1 });
    expect(keySlot(l, 87)).toEqual({ module: 1, key: 60 });
    expect(keySlot(l, 88)).toEqual({ module: 2, key: 1 });
    expect(keySlot(l, 207)).toEqual({ module: 3, key: 60 });
  });

  it("refuses more modules than the model takes, and any on a model without a documented module", () => {
    expect(expansionModulesProblem(YEALINK_MODELS.T54S, 3)).toBeNull();
    expect(expansionModulesProblem(YEALINK_MODELS.T54S, 4)).toBe("T54S takes at most 3 expansion module(s), not 4");
    expect(expansionModulesProblem(YEALINK_MODELS.T54W, 3)).toBeNull();
    expect(expansionModulesProblem(YEALINK_MODELS.T54W, 4)).toBe("T54W takes at most 3 expansion module(s), not 4");
    expect(expansionModulesProblem(YEALINK_MODELS.T33G, 1)).toBe("T33G takes no expansion module, not 1");
  });
});
