import { describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_CODES, FEATURE_LABELS, parseFeatureValue } from "../../src/domain/feature-codes.ts";
import { parseKeyLayout } from "../../src/onboarding/key-layout-text.ts";

describe("feature key values", () => {
  it("has a readable label for every code, never the raw name", () => {
    for (const name of Object.keys(DEFAULT_FEATURE_CODES)) {
      const label = FEATURE_LABELS[name as keyof typeof FEATURE_LABELS];
      expect(label, name).toMatch(/^[A-Z][A-Za-z0-9 -]{1,13}$/);
      expect(label).not.toContain("_");
    }
  });

  it.each([
    ["dnd_on", { feature: "dnd_on", extension: null }],
    ["intercom:105", { feature: "intercom", extension: "105" }],
    ["directed_pickup:2001", { feature: "directed_pickup", extension: "2001" }],
    ["intercom", null],
    ["directed_pickup", null],
    ["dnd_on:105", null],
    ["intercom:1", null],
    ["intercom:10a", null],
    ["self_destruct", null],
  ])("%s", (value, expected) => {
    expect(parseFeatureValue(value)).toEqual(expected);
  });

  it("takes intercom:<ext> in a CSV key layout with the colon escaped", () => {
    expect(parseKeyLayout("5:feature:intercom\\:105")).toMatchObject({ ok: true, keys: [{ index: 5, kind: "feature", value: "intercom:105" }] });
    expect(parseKeyLayout("5:feature:intercom")).toMatchObject({ ok: false, reason: expect.stringMatching(/intercom:<extension>/) });
  });
});
