import { describe, expect, it } from "vitest";
import { formatKeyLayout, parseKeyLayout } from "../../src/onboarding/key-layout-text.ts";

describe("inline key layout", () => {
  it("parses index:kind:value:label:line with defaults", () => {
    const r = parseKeyLayout("2:blf:102|3:speed_dial:+495551234:Front desk|4:park|5:feature:dnd_on|6:line::Line 2:2");
    expect(r).toEqual({
      ok: true,
      keys: [
        { index: 2, kind: "blf", value: "102", label: null, line: 1 },
        { index: 3, kind: "speed_dial", value: "+495551234", label: "Front desk", line: 1 },
        { index: 4, kind: "park", value: null, label: null, line: 1 },
        { index: 5, kind: "feature", value: "dnd_on", label: null, line: 1 },
        { index: 6, kind: "line", value: null, label: "Line 2", line: 2 },
      ],
    });
  });

  it("round-trips labels holding the separators through escapes", () => {
    const keys = [{ index: 1, kind: "speed_dial", value: "*78", label: "a|b:c\\d", line: 1 }];
    const text = formatKeyLayout(keys);
    expect(text).toBe(String.raw`1:speed_dial:*78:a\|b\:c\\d`);
    expect(parseKeyLayout(text)).toEqual({ ok: true, keys });
  });

  it.each([
    ["blf", /key 1 \("blf"\): starts with the key number/],
    ["2:blf", /key 2: value: a blf key needs the extension number/],
    ["2:speed_dial:abc", /key 2: value: a speed_dial key needs a number/],
    ["2:feature:teleport", /key 2: value: a feature key needs a feature-code name/],
    ["2:park||3:park", /key 2 of the layout is empty/],
    ["2:park:1:x:1:extra", /at most index:kind:value:label:line/],
    ["2:park::x:two", /the line "two" is not a number/],
  ])("refuses %s with the key and the reason", (text, reason) => {
    const r = parseKeyLayout(text);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(reason);
  });
});
