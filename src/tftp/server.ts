import { createSocket, type RemoteInfo, type Socket, type SocketOptions, type SocketType } from "node:dgram";
import { lookup as dnsLookup } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { Logger } from "pino";
import { normalizeAddress, parseCidr } from "../domain/validation.ts";
import { netasciiSource } from "./netascii.ts";
import { negotiate, type OptionLimits } from "./options.ts";
import { encodeError, ERR, MAX_REQUEST_BYTES, OP, opcodeOf, parseRequest, type Mode } from "./packet.ts";
import type { Source } from "./source.ts";
import { Transfer, type RetryPolicy, type TransferEnd } from "./transfer.ts";
import { UnconfirmedSlots } from "./unconfirmed.ts";

/** What the server asks the application for a read request. */
export interface TftpReadRequest {
  readonly fileName: string;
  readonly mode: Mode;
  readonly remoteAddress: string;
}

export type TftpLookup =
  | { readonly found: true; readonly source: Source; finished(end: TransferEnd): void }
  | { readonly found: false };

export type TftpResolver = (req: TftpReadRequest) => Promise<TftpLookup>;

export interface TftpServerOptions extends OptionLimits, RetryPolicy {
  readonly host: string;
  readonly port: number;
  /** Concurrent transfers, all sources together, and per source address. */
  readonly maxTransfers: number;
  readonly maxTransfersPerSource: number;
  /** CIDRs allowed to talk to the server at all; others are ignored without an answer. */
  readonly allowedNetworks: readonly string[];
  /** Requests not yet acknowledged, per source address and all together (unconfirmed.ts). */
  readonly maxUnconfirmedPerSource?: number;
  readonly maxUnconfirmed?: number;
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (!c) throw new Error(`not a CIDR: ${text}`);
    list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

const keyOf = (r: { address: string; port: number }) => `${r.address}|${r.port}`;

/**
 * The lookup of a transfer socket: it only ever sends to the address a datagram came from, an IP
 * literal, which is its own answer at once. Node's default (dns.lookup) answers a literal on the
 * next tick, so every DATA block waited a tick before it left (CPU profile of `bench:tftp`).
 */
const literalLookup: NonNullable<SocketOptions["lookup"]> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family) (callback as (err: null, address: string, family: number) => void)(null, hostname, family);
  else dnsLookup(hostname, options, callback);
};

/**
 * A read-only TFTP server on `node:dgram`. The main socket only takes requests; every transfer
 * gets its own socket bound to the same address (its TID). No datagram can throw out of a
 * handler; limits are checked before any socket is opened or any byte is sent.
 */
export class TftpServer {
  private main: Socket | null = null;
  private readonly transfers = new Map<string, Transfer | "pending">();
  private readonly perSource = new Map<string, number>();
  private readonly unconfirmed: UnconfirmedSlots<Transfer>;
  private readonly allowed: BlockList;
  private readonly type: SocketType;

  constructor(
    private readonly options: TftpServerOptions,
    private readonly resolve: TftpResolver,
    private readonly logger: Logger,
  ) {
    this.allowed = blockListOf(options.allowedNetworks);
    this.unconfirmed = new UnconfirmedSlots(options.maxUnconfirmedPerSource ?? 4, options.maxUnconfirmed ?? 100);
    this.type = isIP(options.host) === 6 ? "udp6" : "udp4";
  }

  get port(): number {
    return this.main?.address().port ?? 0;
  }

  get activeTransfers(): number {
    return this.transfers.size;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: this.type, reuseAddr: false });
      socket.once("error", reject);
      socket.on("message", (msg, rinfo) => this.guard(() => this.onRequest(socket, msg, rinfo)));
      socket.bind(this.options.port, this.options.host, () => {
        socket.off("error", reject);
        socket.on("error", (err) => this.logger.warn({ err }, "tftp socket error"));
        this.main = socket;
        resolve(this.port);
      });
    });
  }

  async close(): Promise<void> {
    for (const t of this.transfers.values()) if (t !== "pending") t.abort();
    const main = this.main;
    this.main = null;
    if (main) await new Promise<void>((r) => main.close(() => r()));
  }

  private guard(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err) => this.logger.error({ err }, "tftp handler failed"));
    } catch (err) {
      this.logger.error({ err }, "tftp handler failed");
    }
  }

  private isAllowed(address: string): boolean {
    try {
      return this.allowed.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
    } catch {
      return false;
    }
  }

  private async onRequest(main: Socket, msg: Buffer, rinfo: RemoteInfo): Promise<void> {
    const address = normalizeAddress(rinfo.address);
    if (msg.length < 4 || msg.length > MAX_REQUEST_BYTES || rinfo.port === 0 || !this.isAllowed(address)) return;
    const opcode = opcodeOf(msg);
    if (opcode === OP.WRQ) {
      main.send(encodeError(ERR.accessViolation, "Write requests are refused"), rinfo.port, rinfo.address, () => {});
      return;
    }
    if (opcode !== OP.RRQ) return; // stray ACK/DATA/ERROR/garbage on the request port: ignored
    const existing = this.transfers.get(keyOf(rinfo));
    if (existing) {
      if (existing !== "pending") existing.repeatFirst();
      return;
    }
    const parsed = parseRequest(msg);
    if (!parsed.ok) {
      main.send(encodeError(ERR.illegalOperation, parsed.reason), rinfo.port, rinfo.address, () => {});
      return;
    }
    // Over a limit: make room by dropping an unconfirmed request, else silence (not an ERROR, so a
    // flood of spoofed requests reflects nothing).
    if (!this.makeRoom(address)) return;
    const key = keyOf(rinfo);
    this.reserve(key, address);
    let lookup: TftpLookup;
    try {
      lookup = await this.resolve({ fileName: parsed.request.fileName, mode: parsed.request.mode, remoteAddress: address });
    } catch (err) {
      this.release(key, address);
      throw err;
    }
    if (!lookup.found || !this.main) {
      this.release(key, address);
      if (lookup.found) lookup.source.close();
      else main.send(encodeError(ERR.notFound, "File not found"), rinfo.port, rinfo.address, () => {});
      return;
    }
    let source = lookup.source;
    if (parsed.request.mode === "netascii") {
      try {
        source = await netasciiSource(source);
      } catch {
        this.release(key, address);
        lookup.finished({ ok: false, reason: "netascii conversion refused" });
        main.send(encodeError(ERR.undefined, "File too large for netascii"), rinfo.port, rinfo.address, () => {});
        return;
      }
    }
    await this.begin(key, address, rinfo, parsed.request.options, { ...lookup, source });
  }

  private async begin(key: string, address: string, rinfo: RemoteInfo, options: ReadonlyMap<string, string>, lookup: TftpLookup & { found: true }) {
    let socket: Socket;
    try {
      socket = await this.openTransferSocket();
    } catch (err) {
      this.release(key, address);
      lookup.source.close();
      lookup.finished({ ok: false, reason: "no transfer socket" });
      throw err;
    }
    const negotiated = negotiate(options, lookup.source.size, this.options);
    const transfer = new Transfer(socket, { address: rinfo.address, port: rinfo.port }, lookup.source, negotiated, this.options, (end) => {
      this.release(key, address);
      socket.close();
      this.guard(() => lookup.finished(end));
    }, () => this.unconfirmed.remove(key));
    // One listener per transfer, no closure per datagram.
    socket.on("message", (m, r) => {
      try {
        transfer.handle(m, r);
      } catch (err) {
        this.logger.error({ err }, "tftp handler failed");
      }
    });
    this.transfers.set(key, transfer);
    this.unconfirmed.attach(key, transfer);
    transfer.start();
  }

  private openTransferSocket(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: this.type, lookup: literalLookup });
      // An error listener before bind: a failed bind (EMFILE) must not become an uncaught exception.
      socket.once("error", reject);
      socket.bind(0, this.options.host, () => {
        socket.off("error", reject);
        socket.on("error", (err) => this.logger.warn({ err }, "tftp transfer socket error"));
        resolve(socket);
      });
    });
  }

  /**
   * True when a new request from `address` fits every limit, after dropping at most one unconfirmed
   * request per limit that is full (unconfirmed.ts); false when the slots are held by confirmed
   * transfers (or requests still being looked up).
   */
  private makeRoom(address: string): boolean {
    const u = this.unconfirmed;
    const limits: [full: () => boolean, victim: () => Transfer | null][] = [
      [() => u.countFrom(address) >= u.perSource, () => u.oldest(address)],
      [() => (this.perSource.get(address) ?? 0) >= this.options.maxTransfersPerSource, () => u.oldest(address)],
      [() => u.size >= u.total, () => u.oldest()],
      [() => this.transfers.size >= this.options.maxTransfers, () => u.oldest()],
    ];
    for (const [full, victim] of limits) {
      if (!full()) continue;
      victim()?.abort("dropped unacknowledged for a new request");
      if (full()) return false;
    }
    return true;
  }

  private reserve(key: string, address: string): void {
    this.unconfirmed.add(key, address);
    this.transfers.set(key, "pending");
    this.perSource.set(address, (this.perSource.get(address) ?? 0) + 1);
  }

  private release(key: string, address: string): void {
    this.unconfirmed.remove(key);
    this.transfers.delete(key);
    const n = (this.perSource.get(address) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(address);
    else this.perSource.set(address, n);
  }
}
