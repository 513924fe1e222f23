import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLossyRelay } from "../helpers/lossy-relay.ts";
import { fetchRaw, run, startFileServer } from "../helpers/tftp.ts";

/**
 * Transfers through a relay on loopback that drops 5% of the datagrams both ways: every client
 * still gets the file byte for byte, and the server sends few extra packets (no retransmission
 * storm: a lost packet costs one resend after a timeout, never a cascade).
 */
const file = randomBytes(90_000);
const smallFile = randomBytes(40_000);
let srv: Awaited<ReturnType<typeof startFileServer>>;
let out: string;
beforeAll(async () => {
  // Patient enough for clients that retransmit every 2 s (curl with --max-time 10).
  srv = await startFileServer({ "f.bin": file, "s.bin": smallFile }, { timeoutMs: 100, maxTimeoutMs: 400, maxRetries: 12 });
  out = mkdtempSync(join(tmpdir(), "phonehome-lossy-"));
});
afterAll(async () => {
  await srv.server.close();
  rmSync(out, { recursive: true, force: true });
});

async function through(seed: number, fetch: (port: number) => Promise<Buffer>, dropRate = 0.05, expected = file) {
  const relay = await startLossyRelay(srv.port, dropRate, seed);
  try {
    const got = await fetch(relay.port);
    expect(got.equals(expected)).toBe(true);
    return relay.stats;
  } finally {
    relay.close();
  }
}

describe("a lossy link", () => {
  it("raw client, lock-step: a bounded number of extra packets", async () => {
    const stats = await through(7, (port) => fetchRaw(port, "f.bin"));
    const blocks = Math.floor(file.length / 512) + 1;
    expect(stats.dropped).toBeGreaterThan(0);
    // Without loss: blocks DATA + blocks ACK + RRQ. Each loss costs about one resend.
    expect(stats.toClient + stats.toServer + stats.dropped).toBeLessThan(2 * blocks + 1 + 4 * stats.dropped);
  });

  it("raw client with windowsize 8", async () => {
    await through(11, (port) => fetchRaw(port, "f.bin", { blksize: "1468", windowsize: "8" }));
  });

  // curl asks for `timeout` = a fifth of --max-time and does not re-ACK a repeated block at once,
  // so each loss costs it seconds: a smaller file and 2% loss keep this test short.
  it("curl", async () => {
    const stats = await through(
      1,
      async (port) => {
        const f = join(out, "curl");
        const r = await run("curl", ["-sS", "--max-time", "20", "--tftp-blksize", "1468", "-o", f, `tftp://127.0.0.1:${port}/s.bin`]);
        expect(r.code, r.out).toBe(0);
        return readFileSync(f);
      },
      0.02,
      smallFile,
    );
    expect(stats.dropped).toBeGreaterThan(0);
  }, 30_000);

  it("tftp-hpa", async () => {
    await through(5, async (port) => {
      const f = join(out, "hpa");
      const r = await run("tftp", ["127.0.0.1", String(port), "-m", "binary", "-c", "get", "f.bin", f]);
      expect(r.code, r.out).toBe(0);
      return readFileSync(f);
    });
  });

  it("atftp with windowsize", async () => {
    await through(9, async (port) => {
      const f = join(out, "atftp");
      const r = await run("atftp", ["--option", "blksize 1468", "--option", "windowsize 4", "-g", "-r", "f.bin", "-l", f, "127.0.0.1", String(port)]);
      expect(r.code, r.out).toBe(0);
      return readFileSync(f);
    });
  });
});
