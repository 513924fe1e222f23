import { describe, expect, it } from "vitest";
import { expectGolden } from "../helpers/golden.ts";

describe("golden files", () => {
  it("a missing golden file fails instead of being written", () => {
    expect(process.env.UPDATE_GOLDEN).not.toBe("1");
    expect(() => expectGolden("anything", "yealink/no-such-golden-file.cfg")).toThrow(/is missing; run npm run test:update-golden/);
  });

  it("a golden file that differs fails", () => {
    expect(() => expectGolden("not the file", "yealink/y000000000000.boot")).toThrow();
  });
});
