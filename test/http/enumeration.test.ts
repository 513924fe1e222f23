import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

let s: DemoServer;

beforeAll(async () => {
  // No delay and a 1-second challenge grace, so 1,000 requests take about two seconds; the other
  // thresholds are the defaults.
  s = await startDemoServer({ authFailMaxDelayMs: 0, authChallengeGraceSeconds: 1, fetchLogFlushMs: 5 });
});

afterAll(async () => s.close());

/** One curl process fetching every URL in turn from `source`; returns the status codes. */
function fetchAll(urls: readonly string[], source: string): Promise<number[]> {
  const file = join(s.config.dataDir, `urls-${source}.txt`);
  writeFileSync(file, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(""));
  return new Promise((resolve, reject) =>
    execFile("curl", ["-s", "--interface", source, "-w", "%{http_code}\\n", "-K", file], { maxBuffer: 1 << 20 }, (err, stdout) =>
      err && !stdout ? reject(err) : resolve(stdout.trim().split("\n").map(Number)),
    ),
  );
}

describe("enumeration defence", () => {
  it("1,000 fetches of random MACs from one address yield no config and end in 429s; a real phone on another address still gets its file", async () => {
    const urls = Array.from({ length: 1000 }, () => `${s.phoneUrl}/805ec0${randomBytes(3).toString("hex")}.cfg`);
    // A scanner sending no credentials: its challenges count once unanswered for the grace period.
    const first = await fetchAll(urls.slice(0, 500), "127.0.0.1");
    await new Promise((r) => setTimeout(r, 1100));
    const codes = [...first, ...(await fetchAll(urls.slice(500), "127.0.0.1"))];
    expect(codes).toHaveLength(1000);
    expect(codes.filter((c) => c === 200)).toHaveLength(0);
    const firstBlocked = codes.indexOf(429);
    // Blocked once the first challenges have aged: in the first half if curl was slow, else right after the pause.
    expect(firstBlocked).toBeGreaterThan(s.config.authBlockThreshold);
    expect(firstBlocked).toBeLessThanOrEqual(501);
    expect(codes.slice(0, firstBlocked).every((c) => c === 401)).toBe(true);
    expect(codes.slice(firstBlocked).every((c) => c === 429)).toBe(true);

    const d = s.demo.find((x) => x.mac === "805ec0000101")!;
    const phone = await curl(["--interface", "127.0.0.2", "--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${d.mac}.cfg`]);
    expect(phone.status).toBe(200);
    const blocked = await curl(["--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${d.mac}.cfg`]);
    expect(blocked.status).toBe(429);
    expect(blocked.headers).toMatch(/Retry-After: \d+/i);
  });

  it("a scanner guessing credentials is blocked after authBlockThreshold failures", async () => {
    // Each guess is a challenge and a wrong answer: one failure. Its challenge, never followed by a
    // success, would become a second failure once older than authChallengeGraceSeconds, so with the
    // file's 1-second grace the block came earlier whenever curl took over a second for the first
    // guesses (a loaded machine: 429 at request 48 instead of 51). A server of its own whose grace
    // outlasts the run counts exactly one failure per wrong answer, however slow the machine; the
    // ageing of unanswered challenges is what the first test proves.
    const own = await startDemoServer({ authFailMaxDelayMs: 0, authChallengeGraceSeconds: 3600 });
    try {
      const urls = Array.from({ length: 200 }, () => `${own.phoneUrl}/805ec0${randomBytes(3).toString("hex")}.cfg`);
      const file = join(own.config.dataDir, "guess.txt");
      writeFileSync(file, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(""));
      const codes = await new Promise<number[]>((resolve, reject) =>
        execFile("curl", ["-s", "--interface", "127.0.0.4", "--digest", "-u", "admin:admin", "-w", "%{http_code}\\n", "-K", file], (err, stdout) =>
          err && !stdout ? reject(err) : resolve(stdout.trim().split("\n").map(Number)),
        ),
      );
      expect(codes.indexOf(429)).toBe(own.config.authBlockThreshold + 1);
      expect(codes.filter((c) => c === 200)).toHaveLength(0);
    } finally {
      await own.close();
    }
  });

  it("does not treat phones behind one address as an attacker once they authenticate", async () => {
    // Each demo phone fetches its files from 127.0.0.3 (challenge + Digest each time): the
    // challenges are refunded, and every phone that authenticated raises the address's allowance.
    for (let round = 0; round < 20; round++) {
      for (const d of s.demo) {
        const r = await curl(["--interface", "127.0.0.3", "--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${d.files[d.files.length - 1]}`]);
        expect(r.status, `round ${round} ${d.mac}`).toBe(200);
      }
    }
    // Some stray failures from the same NAT address (a phone with an old password, say) are tolerated.
    const strays = await fetchAll(Array.from({ length: 60 }, (_, i) => `${s.phoneUrl}/805ec0ab${String(i).padStart(4, "0")}.cfg`), "127.0.0.3");
    expect(strays.every((c) => c === 401)).toBe(true);
  });
});
