import { describe, expect, it } from "vitest";
import { EnumerationGuard } from "../../src/provisioning/enumeration-guard.ts";

const options = {
  authFailThreshold: 2,
  authFailWindowSeconds: 60,
  authFailMaxDelayMs: 1000,
  authBlockThreshold: 5,
  authBlockSeconds: 30,
  authBlockAllowancePerDevice: 3,
  tenantFailThreshold: 4,
};

function guard() {
  let now = 1_000_000;
  const alerts: [number, number][] = [];
  const g = new EnumerationGuard(options, () => now, (t, n) => alerts.push([t, n]));
  return { g, alerts, advance: (ms: number) => (now += ms) };
}

describe("EnumerationGuard", () => {
  it("delays past the threshold, doubling up to the maximum, then blocks for authBlockSeconds", () => {
    const { g, advance } = guard();
    const delays = Array.from({ length: 5 }, () => g.failure("a", "failed", null));
    expect(delays).toEqual([0, 0, 100, 200, 400]);
    expect(g.retryAfter("a")).toBe(0);
    g.failure("a", "failed", null);
    expect(g.retryAfter("a")).toBe(30);
    expect(g.retryAfter("b")).toBe(0);
    advance(29_000);
    expect(g.retryAfter("a")).toBe(1);
    advance(1_000);
    expect(g.retryAfter("a")).toBe(0);
  });

  it("refunds a known device's challenges once it authenticates from that address", () => {
    const { g } = guard();
    const dev = { id: 7, tenantId: 1 };
    for (let i = 0; i < 5; i++) g.failure("nat", "challenged", dev);
    g.success("nat", 7);
    // Allowance 5 + 3 for the device that authenticated; the 5 challenges were taken back.
    for (let i = 0; i < 8; i++) g.failure("nat", "failed", null);
    expect(g.retryAfter("nat")).toBe(0);
    g.failure("nat", "failed", null);
    expect(g.retryAfter("nat")).toBe(30);
  });

  it("counts bad credentials per tenant across addresses: slows them and alerts once per window", () => {
    const { g, alerts } = guard();
    const dev = { id: 1, tenantId: 9 };
    const delays = ["s1", "s2", "s3", "s4", "s5", "s6"].map((s) => g.failure(s, "failed", dev));
    expect(delays.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(delays.slice(4)).toEqual([1000, 1000]);
    expect(alerts).toEqual([[9, 5]]);
  });
});
