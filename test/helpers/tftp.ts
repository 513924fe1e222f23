import { execFile } from "node:child_process";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import pino from "pino";
import { TftpServer, type TftpResolver, type TftpServerOptions } from "../../src/tftp/server.ts";
import { bufferSource } from "../../src/tftp/source.ts";

/** Fast settings for tests: short timeouts so loss and back-off tests take milliseconds. */
export const TEST_TFTP_OPTIONS: TftpServerOptions = {
  host: "127.0.0.1",
  port: 0,
  maxBlksize: 1468,
  maxWindowsize: 64,
  timeoutMs: 200,
  maxTimeoutMs: 800,
  maxRetries: 4,
  lifetimeMs: 30_000,
  maxTransfers: 300,
  maxTransfersPerSource: 250,
  allowedNetworks: ["127.0.0.0/8"],
};

/** A server that serves fixed buffers by name (leading `/` ignored). */
export async function startFileServer(files: Record<string, Buffer>, options: Partial<TftpServerOptions> = {}) {
  const ends: unknown[] = [];
  const resolve: TftpResolver = async (req) => {
    const body = files[req.fileName.replace(/^\//, "")];
    return body ? { found: true, source: bufferSource(body), finished: (e) => ends.push(e) } : { found: false };
  };
  const server = new TftpServer({ ...TEST_TFTP_OPTIONS, ...options }, resolve, pino({ level: "silent" }));
  const port = await server.listen();
  return { server, port, ends };
}

export interface Datagram {
  readonly msg: Buffer;
  readonly rinfo: RemoteInfo;
}

/** A raw UDP socket on loopback with an awaitable receive queue. */
export class RawPeer {
  readonly socket: Socket;
  private readonly queue: Datagram[] = [];
  private waiter: (() => void) | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("message", (msg, rinfo) => {
      this.queue.push({ msg, rinfo });
      this.waiter?.();
    });
  }

  static async open(): Promise<RawPeer> {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    return new RawPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(buf: Buffer, port: number): Promise<void> {
    return new Promise((r) => this.socket.send(buf, port, "127.0.0.1", () => r()));
  }

  /** Next datagram, or null after `ms` of silence. */
  async next(ms = 1000): Promise<Datagram | null> {
    if (this.queue.length) return this.queue.shift()!;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.waiter = null;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(t);
        this.waiter = null;
        resolve();
      };
    });
    return this.queue.shift() ?? null;
  }

  /** Everything that arrives within `ms`. */
  async drain(ms: number): Promise<Datagram[]> {
    const out: Datagram[] = [];
    const until = Date.now() + ms;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return out;
      const d = await this.next(left);
      if (d) out.push(d);
    }
  }

  close(): void {
    this.socket.close();
  }
}

export function rrq(file: string, mode = "octet", options: Record<string, string> = {}, opcode = 1): Buffer {
  const parts = [file, mode, ...Object.entries(options).flat()].map((s) => `${s}\0`).join("");
  return Buffer.concat([Buffer.from([0, opcode]), Buffer.from(parts, "latin1")]);
}

export function ack(block: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(4, 0);
  b.writeUInt16BE(block & 0xffff, 2);
  return b;
}

export const opcode = (d: Datagram | null) => (d && d.msg.length >= 2 ? d.msg.readUInt16BE(0) : null);
export const blockOf = (d: Datagram) => d.msg.readUInt16BE(2);

export function parseOack(d: Datagram): Record<string, string> {
  const parts = d.msg.subarray(2).toString("latin1").split("\0").slice(0, -1);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]!] = parts[i + 1]!;
  return out;
}

/**
 * A small TFTP client: sends the RRQ, ACKs the OACK, ACKs the last block of every window (or the
 * last in-order block when one is missing, RFC 7440), re-ACKs duplicates, and repeats its last
 * packet after 300 ms of silence (a few times). Resolves with the file, rejects on an ERROR.
 */
export async function fetchRaw(port: number, file: string, options: Record<string, string> = {}, mode = "octet"): Promise<Buffer> {
  const peer = await RawPeer.open();
  try {
    let last = rrq(file, mode, options);
    let lastPort = port;
    const say = async (buf: Buffer, to: number) => {
      last = buf;
      lastPort = to;
      await peer.send(buf, to);
    };
    await say(last, port);
    let blksize = 512;
    let windowsize = 1;
    const chunks: Buffer[] = [];
    let expected = 1;
    let tid: RemoteInfo | null = null;
    let inWindow = 0;
    let silences = 0;
    for (;;) {
      const d = await peer.next(300);
      if (!d) {
        if (++silences > 10) throw new Error(`no answer after block ${expected - 1}`);
        await peer.send(last, lastPort);
        continue;
      }
      silences = 0;
      if (tid && d.rinfo.port !== tid.port) continue;
      const op = opcode(d);
      if (op === 5) throw new Error(`ERROR ${d.msg.readUInt16BE(2)}: ${d.msg.subarray(4, -1).toString()}`);
      tid ??= d.rinfo;
      if (op === 6) {
        if (expected !== 1) continue;
        const o = parseOack(d);
        blksize = Number(o.blksize ?? 512);
        windowsize = Number(o.windowsize ?? 1);
        await say(ack(0), tid.port);
        continue;
      }
      if (op !== 3) throw new Error(`unexpected opcode ${op}`);
      if (blockOf(d) !== (expected & 0xffff)) {
        // A gap or a duplicate: acknowledge what we have, the server resumes after it.
        await say(ack(expected - 1), tid.port);
        inWindow = 0;
        continue;
      }
      const payload = d.msg.subarray(4);
      chunks.push(payload);
      inWindow++;
      const end = payload.length < blksize;
      if (end || inWindow >= windowsize) {
        await say(ack(expected), tid.port);
        inWindow = 0;
      }
      expected++;
      if (end) return Buffer.concat(chunks);
    }
  } finally {
    peer.close();
  }
}

/** Runs a real client program; resolves with its exit code and output. */
export function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}
