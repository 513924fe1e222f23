import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tftpFileName } from "../../src/tftp/provider.ts";
import { ack, blockOf, fetchRaw, opcode, RawPeer, rrq, startFileServer } from "../helpers/tftp.ts";
import { startTftpStack } from "../helpers/tftp-stack.ts";

/**
 * Each hostile datagram is sent, then a normal transfer must complete on the same server: nothing
 * may stop the process, the server or a transfer in progress.
 */
const file = randomBytes(50_000);
let srv: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
  srv = await startFileServer({ "f.bin": file });
});
afterAll(() => srv.server.close());

async function normalTransferWorks() {
  expect(await fetchRaw(srv.port, "f.bin", { blksize: "1468" })).toEqual(file);
}

const MAIN_PORT_CASES: Record<string, Buffer> = {
  "an empty datagram": Buffer.alloc(0),
  "a 1-byte datagram": Buffer.from([1]),
  "a 3-byte datagram": Buffer.from([0, 1, 0x41]),
  "a truncated RRQ (no NUL after the mode)": Buffer.from("\0\x01f.bin\0octet", "latin1"),
  "an RRQ without a mode": Buffer.from("\0\x01f.bin\0", "latin1"),
  "an RRQ with an empty name": rrq(""),
  "an RRQ with an unknown mode": rrq("f.bin", "mail"),
  "an RRQ with binary bytes in the name": Buffer.concat([Buffer.from([0, 1, 0xff, 0xfe, 0]), Buffer.from("octet\0")]),
  "an oversized RRQ (600 bytes)": rrq("f.bin", "octet", { x: "y".repeat(600) }),
  "a 65000-byte datagram": Buffer.alloc(65_000, 1),
  "opcode 0": Buffer.from([0, 0, 0, 0]),
  "opcode 99": Buffer.from([0, 99, 1, 2, 3]),
  "a stray DATA": Buffer.from([0, 3, 0, 1, 1, 2, 3]),
  "a stray ACK": ack(7),
  "a stray ERROR": Buffer.from([0, 5, 0, 1, 0]),
  "an OACK": Buffer.from("\x00\x06blksize\x00512\x00", "latin1"),
  "bad option values": rrq("f.bin", "octet", { blksize: "-1", tsize: "1e9", timeout: "0", windowsize: "65536", blksize2: "\x7f" }),
  "a huge numeric option": rrq("f.bin", "octet", { blksize: "99999999999999999999" }),
};

describe("hostile datagrams on the request port", () => {
  for (const [name, datagram] of Object.entries(MAIN_PORT_CASES)) {
    it(`survives ${name}`, async () => {
      const peer = await RawPeer.open();
      await peer.send(datagram, srv.port);
      const answers = await peer.drain(60);
      // At most one packet: an ERROR, or block 1 when the request was still a valid RRQ.
      expect(answers.length).toBeLessThanOrEqual(1);
      for (const a of answers) expect(opcode(a) === 5 || (opcode(a) === 3 && blockOf(a) === 1)).toBe(true);
      peer.close();
      await normalTransferWorks();
    });
  }
});

describe("hostile datagrams on a transfer port", () => {
  const cases: Record<string, Buffer> = {
    empty: Buffer.alloc(0),
    "1 byte": Buffer.from([4]),
    "3 bytes": Buffer.from([0, 4, 0]),
    "a 60000-byte datagram": Buffer.alloc(60_000, 4),
    "an RRQ": rrq("f.bin"),
    "a bad opcode": Buffer.from([0, 42, 0, 1]),
    "an ACK far ahead": ack(900),
  };
  for (const [name, datagram] of Object.entries(cases)) {
    it(`ignores ${name} from the client's own TID and ${name} from a stranger (ERROR 5)`, async () => {
      const peer = await RawPeer.open();
      const stranger = await RawPeer.open();
      await peer.send(rrq("f.bin"), srv.port);
      const d1 = (await peer.next())!;
      const tid = d1.rinfo.port;
      await peer.send(datagram, tid);
      await stranger.send(datagram, tid);
      const e = (await stranger.next())!;
      expect([opcode(e), e.msg.readUInt16BE(2)]).toEqual([5, 5]);
      // The transfer goes on: complete it by hand.
      let expected = 1;
      for (let d: typeof d1 | null = d1; d; d = await peer.next()) {
        if (opcode(d) !== 3 || blockOf(d) !== expected) continue;
        await peer.send(ack(expected), tid);
        if (d.msg.length < 516) break;
        expected++;
      }
      expect(expected).toBe(Math.floor(file.length / 512) + 1);
      peer.close();
      stranger.close();
      await normalTransferWorks();
    });
  }
});

describe("limits", () => {
  it("answers nothing beyond the per-source limit, and serves again once transfers end", async () => {
    const limited = await startFileServer({ "f.bin": file }, { maxTransfersPerSource: 3 });
    const peers = await Promise.all(Array.from({ length: 5 }, () => RawPeer.open()));
    for (const p of peers) await p.send(rrq("f.bin"), limited.port);
    const answered = (await Promise.all(peers.map((p) => p.drain(100)))).filter((a) => a.length > 0);
    expect(answered.length).toBe(3);
    for (const p of peers) p.close();
    // Silent sources are dropped after the back-off (200+400+800+800+800 ms).
    await new Promise((r) => setTimeout(r, 3200));
    expect(limited.server.activeTransfers).toBe(0);
    expect(await fetchRaw(limited.port, "f.bin")).toEqual(file);
    await limited.server.close();
  });

  it("answers nothing beyond the global limit", async () => {
    const small = await startFileServer({ "f.bin": file }, { maxTransfers: 2, maxTransfersPerSource: 10 });
    const peers = await Promise.all(Array.from({ length: 4 }, () => RawPeer.open()));
    for (const p of peers) await p.send(rrq("f.bin"), small.port);
    const answered = (await Promise.all(peers.map((p) => p.drain(100)))).filter((a) => a.length > 0);
    expect(answered.length).toBe(2);
    for (const p of peers) p.close();
    await small.server.close();
  });

  it("ignores sources outside the allowed networks", async () => {
    const closed = await startFileServer({ "f.bin": file }, { allowedNetworks: ["10.0.0.0/8"] });
    const peer = await RawPeer.open();
    await peer.send(rrq("f.bin"), closed.port);
    expect(await peer.drain(150)).toEqual([]);
    peer.close();
    await closed.server.close();
  });
});

describe("hostile names through the real pipeline (tftpResolver and its file-name guard)", () => {
  let stack: Awaited<ReturnType<typeof startTftpStack>>;
  beforeAll(async () => {
    stack = await startTftpStack({ deviceNetworks: ["127.0.0.0/8"] });
  });
  afterAll(() => stack.close());

  const NAMES: Record<string, string> = {
    "path traversal": "../../../etc/passwd",
    "traversal to a served name": "../y000000000000.boot",
    "an absolute path": "/etc/passwd",
    "two leading slashes": "//y000000000000.boot",
    "a backslash": "..\\y000000000000.boot",
    "a directory": "firmware/x.rom",
  };
  for (const [name, fileName] of Object.entries(NAMES)) {
    it(`answers ${name} with exactly one ERROR 1 (File not found) and no data`, async () => {
      const peer = await RawPeer.open();
      await peer.send(rrq(fileName), stack.port);
      const answers = await peer.drain(100);
      peer.close();
      expect(answers.map((a) => [opcode(a), a.msg.readUInt16BE(2)])).toEqual([[5, 1]]);
    });
  }

  it("still serves a valid name afterwards", async () => {
    expect((await fetchRaw(stack.port, "/y000000000000.boot")).length).toBeGreaterThan(10);
  });
});

describe("tftpFileName", () => {
  it.each([
    ["y000000000000.boot", "y000000000000.boot"],
    ["/y000000000000.boot", "y000000000000.boot"],
    ["//y000000000000.boot", null],
    ["../etc/passwd", null],
    ["/etc/passwd", null],
    ["a\\b", null],
    ["", null],
    ["/", null],
    ["x\0.cfg", null],
  ])("%j -> %j", (requested, expected) => {
    expect(tftpFileName(requested)).toBe(expected);
  });
});

