import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigestAuth, REALM, type DigestParams } from "../../src/http/digest.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

/**
 * Issue 11 item 3: known and unknown MACs cost the same. No wall-clock bound is asserted: each
 * test compares the medians of two interleaved sample sets (a ratio), which a loaded machine slows
 * alike.
 */

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: number, b: number) => Math.max(a, b) / Math.min(a, b);

describe("DigestAuth.proves does the same work when the user name does not match", () => {
  it("medians of matching and mismatching user names are within 25% (300 samples each, 20 calls a sample)", () => {
    const digest = new DigestAuth(60_000);
    const nonce = digest.issueNonce("127.0.0.1");
    const p: DigestParams = { username: "805ec0000101", realm: REALM, nonce, uri: "/805ec0000101.cfg", response: "0".repeat(32), qop: "auth", nc: "00000001", cnonce: "abcdef" };
    const time = (user: string) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) digest.proves(p, "GET", user, "not-the-password");
      return Number(process.hrtime.bigint() - t0);
    };
    for (let i = 0; i < 50; i++) {
      time("805ec0000101");
      time("unknown-mac-dummy");
    }
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 300; i++) {
      known.push(time("805ec0000101"));
      unknown.push(time("unknown-mac-dummy"));
    }
    expect(ratio(median(known), median(unknown))).toBeLessThan(1.25);
  });
});

describe("tenant slow-down", () => {
  let s: DemoServer;
  beforeAll(async () => {
    // Per-address slow-down and blocking out of the way: only the tenant path is under test.
    s = await startDemoServer({ tenantFailThreshold: 3, authFailMaxDelayMs: 1000, authFailThreshold: 1_000_000, authBlockThreshold: 1_000_000 });
  });
  afterAll(async () => s.close());

  const attempt = async (mac: string) => {
    const t0 = process.hrtime.bigint();
    const r = await curl(["--digest", "-u", `${mac}:wrong-password`, `${s.phoneUrl}/${mac}.cfg`]);
    expect(r.status).toBe(401);
    return Number(process.hrtime.bigint() - t0);
  };

  it("past tenantFailThreshold a wrong password for a known device and an unknown MAC take the same (medians within 25%, 200 samples each)", async () => {
    const known = s.demo[0]!.mac;
    const unknownMac = "805ec0ffee99";
    for (let i = 0; i < 6; i++) await attempt(known); // the tenant passes its threshold
    const a: number[] = [];
    const b: number[] = [];
    // Eight pairs at a time, interleaved, so both sets see the same machine load.
    for (let i = 0; i < 25; i++) {
      const round = await Promise.all(Array.from({ length: 16 }, (_, k) => attempt(k % 2 ? unknownMac : known)));
      round.forEach((t, k) => (k % 2 ? b : a).push(t));
    }
    expect(a).toHaveLength(200);
    expect(ratio(median(a), median(b))).toBeLessThan(1.25);
  }, 180_000);
});
