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
  authChallengeGraceSeconds: 10,
};

function guard() {
  let now = 1_000_000;
  const alerts: [number, number][] = [];
  const g = new EnumerationGuard(options, () => now, (t, n) => alerts.push([t, n]));
  return { g, alerts, advance: (ms: number) => (now += ms) };
}

describe("EnumerationGuard", () => {
  it("delays failures past the threshold, doubling up to the maximum, then blocks for authBlockSeconds", () => {
    const { g, advance } = guard();
    const delays = Array.from({ length: 5 }, (_, i) => g.failure("a", "failed", `f${i}`, null));
    expect(delays).toEqual([0, 0, 100, 200, 400]);
    expect(g.retryAfter("a")).toBe(0);
    g.failure("a", "failed", "f", null);
    expect(g.retryAfter("a")).toBe(30);
    expect(g.retryAfter("b")).toBe(0);
    advance(29_000);
    expect(g.retryAfter("a")).toBe(1);
    advance(1_000);
    expect(g.retryAfter("a")).toBe(0);
  });

  it("counts a challenge only when it stays unanswered for the grace period, known MAC or not", () => {
    const { g, advance } = guard();
    // A boot storm behind one NAT: 40 challenges at once, each answered by its phone.
    for (let i = 0; i < 40; i++) g.failure("nat", "challenged", `phone${i}.cfg`, null);
    for (let i = 0; i < 40; i++) g.success("nat", `phone${i}.cfg`, i);
    advance(11_000);
    g.failure("nat", "challenged", "x.cfg", null);
    expect(g.retryAfter("nat")).toBe(0);
    // A scanner: 6 challenges never answered become failures after the grace period.
    for (let i = 0; i < 6; i++) g.failure("scan", "challenged", `805ec0${i}.cfg`, null);
    expect(g.retryAfter("scan")).toBe(0);
    advance(10_000);
    g.failure("scan", "challenged", "805ec0ff.cfg", null);
    expect(g.retryAfter("scan")).toBe(30);
  });

  it("raises the block threshold per device that authenticated from the address", () => {
    const { g } = guard();
    g.success("nat", "a.cfg", 1);
    g.success("nat", "b.cfg", 2);
    for (let i = 0; i < 11; i++) g.failure("nat", "failed", "x", null);
    expect(g.retryAfter("nat")).toBe(0);
    g.failure("nat", "failed", "x", null);
    expect(g.retryAfter("nat")).toBe(30);
  });

  it("counts bad credentials per tenant across addresses: slows them and alerts once per window", () => {
    const { g, alerts } = guard();
    const dev = { id: 1, tenantId: 9 };
    const delays = ["s1", "s2", "s3", "s4", "s5", "s6"].map((s) => g.failure(s, "failed", "f", dev));
    expect(delays.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(delays.slice(4)).toEqual([1000, 1000]);
    expect(alerts).toEqual([[9, 5]]);
  });
});
