import { describe, expect, it } from "vitest";
import { attemptVerdict } from "../../src/services/attempt-limiter.ts";

/** The slow-then-refuse rule the portal's sign-in and the hot-desk PINs share. */
const limits = { slowAfter: 3, maxDelayMs: 3000 };
const key = (failures: number, max: number, refused: string) => ({ failures, max, refused });

describe("attemptVerdict", () => {
  it.each([
    [0, 0],
    [2, 0],
    [3, 250],
    [4, 500],
    [5, 1000],
    [7, 3000],
    [9, 3000],
  ])("after %i failures waits %i ms", (failures, delayMs) => {
    expect(attemptVerdict([key(failures, 10, "account"), key(0, 30, "address")], limits)).toEqual({ refused: null, delayMs });
  });

  it("slows by the key with the most failures", () => {
    expect(attemptVerdict([key(1, 10, "account"), key(4, 30, "address")], limits).delayMs).toBe(500);
  });

  it("refuses once a key reached its maximum, the first such key in the order given, without a delay", () => {
    expect(attemptVerdict([key(10, 10, "account"), key(2, 30, "address")], limits)).toEqual({ refused: "account", delayMs: 0 });
    expect(attemptVerdict([key(5, 10, "account"), key(30, 30, "address")], limits)).toEqual({ refused: "address", delayMs: 0 });
    expect(attemptVerdict([key(10, 10, "account"), key(30, 30, "address")], limits).refused).toBe("account");
  });
});
