import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ack, rrq, startFileServer } from "../helpers/tftp.ts";

/**
 * Spoofed requests on loopback: a request sent from a phone's address (or from many addresses)
 * whose sender never acknowledges, exactly what a forged source address looks like to the server.
 * The server runs with the production retry ladder (1 s doubling to 8 s, 5 retries) and limits.
 */
const FILE = randomBytes(40_000);
const PRODUCTION = { timeoutMs: 1000, maxTimeoutMs: 8000, maxRetries: 5, maxTransfers: 500, maxTransfersPerSource: 8, unconfirmedRetries: 1, maxUnconfirmedPerSource: 4, maxUnconfirmed: 100 };

let srv: Awaited<ReturnType<typeof startFileServer>>;
let dir: string;
const sockets: Socket[] = [];

beforeEach(async () => {
  srv = await startFileServer({ "f.bin": FILE }, PRODUCTION);
  dir = mkdtempSync(join(tmpdir(), "phonehome-tftp-"));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await srv.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function bound(address: string): Promise<Socket> {
  const s = createSocket("udp4");
  s.on("error", () => {});
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  sockets.push(s);
  return s;
}

/** `count` requests from `address`, each from its own port, none ever acknowledged. */
async function spoof(address: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const s = await bound(address);
    await new Promise<void>((r) => s.send(rrq("f.bin"), srv.port, "127.0.0.1", () => r()));
  }
}

/** The tftp-hpa client from 127.0.0.1, retransmitting every second and giving up after 4 s. */
function tftpHpa(): Promise<{ code: number; body: Buffer | null }> {
  const out = join(dir, `got-${randomBytes(4).toString("hex")}`);
  return new Promise((resolve) => {
    const p = spawn("tftp", ["127.0.0.1", String(srv.port)], { stdio: ["pipe", "ignore", "ignore"] });
    p.stdin.end(`binary\nrexmt 1\ntimeout 4\nget f.bin ${out}\nquit\n`);
    p.on("close", (code) => {
      let body: Buffer | null = null;
      try {
        body = readFileSync(out);
      } catch {
        body = null;
      }
      resolve({ code: code ?? 1, body });
    });
  });
}

describe("unacknowledged TFTP requests", () => {
  it("eight spoofed requests from a phone's address do not block the phone", async () => {
    await spoof("127.0.0.1", 8);
    const r = await tftpHpa();
    expect(r.body?.equals(FILE)).toBe(true);
  });

  it("520 spoofed requests from 65 addresses do not block TFTP, and a confirmed transfer is not starved", async () => {
    // A transfer in progress, acknowledged block by block from 127.0.0.20.
    const phone = await bound("127.0.0.20");
    const received: Buffer[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    let step: () => void = () => {};
    let paused = true;
    phone.on("message", (msg, rinfo) => {
      if (msg.readUInt16BE(0) !== 3) return;
      const block = msg.readUInt16BE(2);
      if (block === received.length + 1) received.push(msg.subarray(4));
      const reply = () => phone.send(ack(block), rinfo.port, rinfo.address);
      if (msg.length - 4 < 512) {
        reply();
        done();
      } else if (paused && block === 5) step = reply; // hold the ACK while the flood arrives
      else reply();
    });
    phone.send(rrq("f.bin"), srv.port, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 200));
    expect(received.length).toBe(5);

    for (let a = 1; a <= 65; a++) {
      await spoof(`127.0.1.${a}`, 8);
      await new Promise((r) => setTimeout(r, 20)); // paced so the kernel's receive buffer drops none
    }
    const r = await tftpHpa();
    expect(r.body?.equals(FILE)).toBe(true);

    paused = false;
    step();
    await finished;
    expect(Buffer.concat(received).equals(FILE)).toBe(true);
  });

  it("an unacknowledged request frees its slot after one short wait, not the whole retry ladder", async () => {
    await spoof("127.0.0.30", 1);
    let packets = 0;
    sockets[0]!.on("message", () => packets++);
    await new Promise((r) => setTimeout(r, 200));
    expect(srv.server.activeTransfers).toBe(1);
    // One timeout (1 s) and one doubled wait (2 s); the ladder would hold it 31 s.
    await new Promise((r) => setTimeout(r, 4_500));
    expect(srv.server.activeTransfers).toBe(0);
    expect(srv.ends).toContainEqual({ ok: false, reason: "never acknowledged" });
    expect(packets).toBeLessThanOrEqual(1); // nothing resent to an unproven address
  });
});
