import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ImageCache } from "../../src/tftp/image-cache.ts";
import { encodeError, ERR } from "../../src/tftp/packet.ts";
import { ack, blockOf, opcode, RawPeer, rrq, run } from "../helpers/tftp.ts";
import { startTftpStack } from "../helpers/tftp-stack.ts";

/**
 * Firmware images are sent from memory (src/tftp/image-cache.ts): one copy per image however many
 * transfers read it, dropped when the last one ends, a replaced image never mixed with the old one,
 * and disk reads past the memory budget. Real pipeline, real clients (curl, atftp) and a raw
 * lock-step client that holds a transfer open.
 */
const IMAGE = { vendor: "yealink", models: ["T54W"], version: "96.86.0.100", name: "T54W-96.86.0.100.rom" };
const BLKSIZE = 1468;
let out: string;
let n = 0;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), "phonehome-tftp-images-"));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const stacks: Awaited<ReturnType<typeof startTftpStack>>[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function stackWith(images: ImageCache, body: Buffer) {
  // Patient retransmission: a held transfer waits while other clients fetch.
  const stack = await startTftpStack({ images, server: { timeoutMs: 500, maxTimeoutMs: 2000, maxRetries: 30 } });
  stacks.push(stack);
  const row = await stack.addImage(body, IMAGE);
  return { stack, name: row.fileName, path: join(stack.firmwareDir, IMAGE.vendor, row.fileName) };
}

async function viaCurl(port: number, name: string, blksize: number): Promise<Buffer> {
  const file = join(out, `curl-${n++}`);
  const r = await run("curl", ["-sS", "--max-time", "30", "--tftp-blksize", String(blksize), "-o", file, `tftp://127.0.0.1:${port}/${name}`]);
  expect(r).toMatchObject({ code: 0 });
  return readFileSync(file);
}

async function viaAtftp(port: number, name: string, options: string[]): Promise<Buffer> {
  const file = join(out, `atftp-${n++}`);
  const r = await run("atftp", [...options.flatMap((o) => ["--option", o]), "-g", "-r", name, "-l", file, "127.0.0.1", String(port)]);
  expect(r.code, r.out).toBe(0);
  return readFileSync(file);
}

/** A lock-step transfer driven by hand: started, then finished or abandoned when the test says. */
async function holdTransfer(port: number, name: string) {
  const peer = await RawPeer.open();
  await peer.send(rrq(name, "octet", { blksize: String(BLKSIZE) }), port);
  const oack = await peer.next();
  if (opcode(oack) !== 6) throw new Error("expected an OACK");
  const tid = oack!.rinfo.port;
  await peer.send(ack(0), tid);
  const first = await peer.next();
  if (opcode(first) !== 3 || blockOf(first!) !== 1) throw new Error("expected DATA 1");
  const chunks = [first!.msg.subarray(4)];
  return {
    /** ACKs every block to the end; the bytes received from the first block on. */
    async finish(): Promise<Buffer> {
      try {
        for (let block = 1; chunks.at(-1)!.length === BLKSIZE; block++) {
          await peer.send(ack(block), tid);
          // Retransmissions of blocks already held (the server's timer ran while the test waited) are skipped.
          let d = await peer.next();
          while (d && opcode(d) === 3 && blockOf(d) !== ((block + 1) & 0xffff)) d = await peer.next();
          if (opcode(d) !== 3) throw new Error(`expected DATA ${block + 1}`);
          chunks.push(d!.msg.subarray(4));
        }
        await peer.send(ack(chunks.length), tid);
        return Buffer.concat(chunks);
      } finally {
        peer.close();
      }
    },
    async abandon(): Promise<void> {
      await peer.send(encodeError(ERR.undefined, "stop"), tid);
      peer.close();
    },
  };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe("firmware images in memory", () => {
  it("transfers of one image share one copy, byte for byte with each client, dropped after the last", async () => {
    const images = new ImageCache();
    const body = randomBytes(3 * 1024 * 1024 + 123);
    const { stack, name } = await stackWith(images, body);
    const held = await holdTransfer(stack.port, name);
    expect({ images: images.heldImages, bytes: images.heldBytes }).toEqual({ images: 1, bytes: body.length });
    const got = await Promise.all([
      viaCurl(stack.port, name, 512),
      viaCurl(stack.port, name, 1468),
      viaAtftp(stack.port, name, ["blksize 1468", "windowsize 16"]),
      viaAtftp(stack.port, name, ["blksize 512", "windowsize 4"]),
    ]);
    for (const g of got) expect(g.equals(body)).toBe(true);
    expect(images.heldImages).toBe(1);
    expect((await held.finish()).equals(body)).toBe(true);
    await until(() => images.heldBytes === 0);
    expect(images.heldImages).toBe(0);
  });

  it("an image replaced on disk: the running transfer ends with the bytes it began with, a new one gets the new image", async () => {
    const images = new ImageCache();
    const before = randomBytes(400_000);
    const after = randomBytes(400_000); // same size: only the file's identity tells them apart
    const { stack, name, path } = await stackWith(images, before);
    const held = await holdTransfer(stack.port, name);
    const temp = `${path}.new`;
    writeFileSync(temp, after);
    renameSync(temp, path);
    expect((await viaCurl(stack.port, name, 1468)).equals(after)).toBe(true);
    expect((await held.finish()).equals(before)).toBe(true);
    await until(() => images.heldBytes === 0);
  });

  it("an abandoned transfer releases its image", async () => {
    const images = new ImageCache();
    const { stack, name } = await stackWith(images, randomBytes(200_000));
    const held = await holdTransfer(stack.port, name);
    expect(images.heldImages).toBe(1);
    await held.abandon();
    await until(() => images.heldImages === 0);
  });

  it("past the memory budget, blocks are read from disk", async () => {
    const body = randomBytes(300_000);
    const images = new ImageCache(body.length - 1);
    const { stack, name } = await stackWith(images, body);
    const held = await holdTransfer(stack.port, name);
    expect(images.heldBytes).toBe(0);
    expect((await viaCurl(stack.port, name, 512)).equals(body)).toBe(true);
    expect((await held.finish()).equals(body)).toBe(true);
  });
});
