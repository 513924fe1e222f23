import { describe, expect, it } from "vitest";
import { failureDelayMs } from "../../src/provisioning/enumeration-guard.ts";

describe("failureDelayMs", () => {
  it("does not delay up to the threshold, then doubles from 100 ms to the cap", () => {
    expect([1, 5, 6, 7, 8, 9, 10, 11, 1000].map((n) => failureDelayMs(n, 5, 2000))).toEqual([0, 0, 100, 200, 400, 800, 1600, 2000, 2000]);
  });
});
