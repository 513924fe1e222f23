import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ack, blockOf, fetchRaw, opcode, parseOack, RawPeer, rrq, startFileServer } from "../helpers/tftp.ts";

const small = Buffer.from("#!version:1.0.0.1\nline two\r\nend\n");
const exact = randomBytes(1024); // a multiple of 512: needs a final empty block
const medium = randomBytes(200_000);
// blksize 8 makes 65,536+ blocks out of 600 kB: block numbers roll over without a 32 MB file.
const rollover = randomBytes(8 * 70_000 + 3);

let srv: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
  srv = await startFileServer({ "small.cfg": small, "exact.bin": exact, "medium.bin": medium, "rollover.bin": rollover });
});
afterAll(() => srv.server.close());

describe("RFC 1350", () => {
  it("serves an option-less octet request in 512-byte blocks, then nothing more", async () => {
    expect(await fetchRaw(srv.port, "medium.bin")).toEqual(medium);
  });

  it("ends a file whose size is a multiple of 512 with an empty block", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("exact.bin"), srv.port);
    const sizes: number[] = [];
    for (let i = 1; i <= 3; i++) {
      const d = (await peer.next())!;
      expect([opcode(d), blockOf(d)]).toEqual([3, i]);
      sizes.push(d.msg.length - 4);
      await peer.send(ack(i), d.rinfo.port);
    }
    expect(sizes).toEqual([512, 512, 0]);
    peer.close();
  });

  it("converts netascii: LF -> CR LF, bare CR -> CR NUL", async () => {
    const got = await fetchRaw(srv.port, "small.cfg", {}, "NetASCII");
    expect(got.toString("latin1")).toBe("#!version:1.0.0.1\r\nline two\r\0\r\nend\r\n");
  });

  it("refuses write requests with ERROR 2", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("x.cfg", "octet", {}, 2), srv.port);
    const d = (await peer.next())!;
    expect([opcode(d), d.msg.readUInt16BE(2)]).toEqual([5, 2]);
    peer.close();
  });

  it("answers a missing file with ERROR 1", async () => {
    await expect(fetchRaw(srv.port, "missing.cfg")).rejects.toThrow(/ERROR 1/);
  });

  it("answers a datagram from another port with ERROR 5 and goes on with the transfer", async () => {
    const peer = await RawPeer.open();
    const intruder = await RawPeer.open();
    await peer.send(rrq("exact.bin"), srv.port);
    const d1 = (await peer.next())!;
    await intruder.send(ack(1), d1.rinfo.port);
    await intruder.send(Buffer.from([0, 5, 0, 0, 0]), d1.rinfo.port); // a forged ERROR
    const e = (await intruder.next())!;
    expect([opcode(e), e.msg.readUInt16BE(2)]).toEqual([5, 5]);
    expect(await peer.next(100)).toBeNull(); // the forged ACK moved nothing
    await peer.send(ack(1), d1.rinfo.port);
    const d2 = (await peer.next())!;
    expect([opcode(d2), blockOf(d2)]).toEqual([3, 2]);
    peer.close();
    intruder.close();
  });
});

describe("RFC 1123 4.2.3", () => {
  it("never resends on a duplicate ACK (Sorcerer's Apprentice)", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin"), srv.port);
    const d1 = (await peer.next())!;
    await peer.send(ack(1), d1.rinfo.port);
    const d2 = (await peer.next())!;
    expect(blockOf(d2)).toBe(2);
    await peer.send(ack(1), d1.rinfo.port); // duplicate
    await peer.send(ack(1), d1.rinfo.port);
    expect(await peer.next(120)).toBeNull(); // below the 200 ms timeout: nothing was sent
    await peer.send(ack(2), d1.rinfo.port);
    // On a loaded machine the 200 ms timer may fire before ack(2) arrives: that resend of block 2 is
    // the timeout's (allowed), not the duplicate ACK's (ruled out above). Block 3 follows ack(2).
    let next = (await peer.next())!;
    if (blockOf(next) === 2) next = (await peer.next())!;
    expect(blockOf(next)).toBe(3);
    peer.close();
  });

  it("retransmits on timeout with growing intervals, then gives up with an ERROR", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin"), srv.port);
    const d1 = (await peer.next())!;
    await peer.send(ack(1), d1.rinfo.port); // confirmed: from now on timeouts resend
    const times: number[] = [];
    const got: Awaited<ReturnType<RawPeer["next"]>>[] = [];
    for (let d = await peer.next(2000); d; d = await peer.next(2000)) {
      got.push(d);
      times.push(performance.now());
      if (opcode(d) === 5) break;
    }
    const data = got.filter((d) => opcode(d) === 3);
    expect(data.map((d) => blockOf(d!))).toEqual([2, 2, 2, 2, 2]); // first send + 4 retries
    expect(opcode(got.at(-1)!)).toBe(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[0]! * 1.5); // back-off: 400 ms then 800 ms after 200 ms
    peer.close();
  });

  it("sends at most one packet to a source that never acknowledges (no amplification)", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin"), srv.port);
    expect((await peer.drain(2500)).length).toBe(1);
    peer.close();
    const other = await RawPeer.open();
    await other.send(rrq("medium.bin", "octet", { blksize: "1468", tsize: "0" }), srv.port);
    expect((await other.drain(2500)).map(opcode)).toEqual([6]);
    other.close();
  });
});

describe("options: RFC 2347, 2348, 2349, 7440", () => {
  it("acknowledges only the options asked, case-insensitively, and caps blksize", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin", "octet", { BLKSIZE: "9000", TSize: "0", unknownopt: "1" }), srv.port);
    const d = (await peer.next())!;
    expect(opcode(d)).toBe(6);
    expect(parseOack(d)).toEqual({ blksize: "1468", tsize: String(medium.length) });
    await peer.send(ack(0), d.rinfo.port);
    expect((await peer.next())!.msg.length).toBe(4 + 1468);
    peer.close();
  });

  it("echoes timeout and ignores options with bad values (option-less behaviour)", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin", "octet", { timeout: "3", blksize: "7", windowsize: "0", tsize: "x" }), srv.port);
    const d = (await peer.next())!;
    expect(parseOack(d)).toEqual({ timeout: "3" });
    peer.close();
    expect(await fetchRaw(srv.port, "medium.bin", { blksize: "abc", windowsize: "99999999999" })).toEqual(medium);
  });

  it("sends windows of windowsize blocks and resumes after the block acknowledged", async () => {
    const peer = await RawPeer.open();
    await peer.send(rrq("medium.bin", "octet", { windowsize: "4" }), srv.port);
    const o = (await peer.next())!;
    expect(parseOack(o)).toEqual({ windowsize: "4" });
    await peer.send(ack(0), o.rinfo.port);
    const w1 = await peer.drain(100);
    expect(w1.map(blockOf)).toEqual([1, 2, 3, 4]);
    await peer.send(ack(2), o.rinfo.port); // blocks 3 and 4 "lost"
    expect((await peer.drain(100)).map(blockOf)).toEqual([3, 4, 5, 6]);
    peer.close();
    expect(await fetchRaw(srv.port, "medium.bin", { windowsize: "16", blksize: "1468" })).toEqual(medium);
  });

  it("rolls block numbers over past 65535", async () => {
    expect(await fetchRaw(srv.port, "rollover.bin", { blksize: "8", windowsize: "64" })).toEqual(rollover);
  });
});
