import type { RemoteInfo, Socket } from "node:dgram";
import type { Negotiated } from "./options.ts";
import { encodeError, encodeOack, ERR, OP, opcodeOf, parseAck } from "./packet.ts";
import type { Source } from "./source.ts";

export interface RetryPolicy {
  /** First retransmission timeout when the client set none (RFC 2349 `timeout` overrides it). */
  readonly timeoutMs: number;
  /** Back-off doubles the timeout up to this value (RFC 1123 4.2.3.2). */
  readonly maxTimeoutMs: number;
  /** Consecutive timeouts before the transfer is abandoned. */
  readonly maxRetries: number;
  /** Hard cap on a transfer's whole life, however slowly the client acknowledges. */
  readonly lifetimeMs: number;
  /**
   * Timeouts a transfer waits for its first ACK before it is abandoned (default 1): a request that
   * is never acknowledged (spoofed, or its client gone) frees its slot after one short wait instead
   * of the whole `maxRetries` ladder.
   */
  readonly unconfirmedRetries?: number;
}

export type TransferEnd = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly reason: string };

// ERROR 5 answers to foreign TIDs, per transfer and per second: enough to be polite, too few to reflect.
const MAX_TID_ERRORS_PER_SECOND = 20;

/**
 * One read transfer on its own socket (its transfer ID). Lock-step when windowsize is 1, RFC 7440
 * windows otherwise. Block numbers are 16 bits on the wire and roll over to 0 after 65535; inside
 * they are plain sequence numbers. Rules that keep it safe:
 * - a duplicate or old ACK is ignored, never answered (RFC 1123 4.2.3.1, Sorcerer's Apprentice);
 * - retransmission only on timeout, with exponential back-off and a lifetime cap;
 * - until the client has acknowledged once, nothing is ever retransmitted: a spoofed request
 *   makes at most one packet (no amplification); a client that lost it repeats its request;
 *   without a first ACK the transfer gives up after `unconfirmedRetries` timeouts;
 * - a datagram from another address or port gets ERROR 5 and changes nothing.
 */
export class Transfer {
  private readonly totalBlocks: number;
  private acked: number;
  private sentTo: number;
  private confirmed = false;
  private retries = 0;
  private timeoutMs: number;
  /** The one retransmission timer, re-armed with `refresh()` while its duration stays the same. */
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private timerArmed = false;
  /**
   * One window of DATA packets (header + block each), written in place for every window. A
   * send still queued in the socket keeps its bytes: while the socket's send queue is not empty,
   * the next window gets a fresh buffer instead (on loopback and on a LAN the kernel takes each
   * datagram at once, so the queue is empty). DATA is sent without a completion callback: one
   * callback per block cost a SendWrap callback and a tick each (CPU profile of `bench:tftp`).
   */
  private window: Buffer;
  private readonly lifetime: NodeJS.Timeout;
  private ended = false;
  /** Set once an ERROR is on its way: nothing else is done while it leaves. */
  private closing = false;
  private tidErrors = { second: 0, count: 0 };
  private readonly firstPacket: Buffer | null;

  constructor(
    private readonly socket: Socket,
    private readonly peer: { readonly address: string; readonly port: number },
    private readonly source: Source,
    private readonly options: Negotiated,
    private readonly policy: RetryPolicy,
    private readonly onEnd: (end: TransferEnd) => void,
    /** Called once, at the client's first ACK: its address is proven (it got our packet). */
    private readonly onConfirmed: () => void = () => {},
  ) {
    this.totalBlocks = Math.floor(source.size / options.blksize) + 1;
    this.timeoutMs = options.timeoutMs ?? policy.timeoutMs;
    this.firstPacket = options.oack.size ? encodeOack(options.oack) : null;
    this.window = Buffer.allocUnsafe(Math.min(options.windowsize, this.totalBlocks) * (4 + options.blksize));
    this.acked = this.firstPacket ? -1 : 0;
    this.sentTo = 0;
    this.lifetime = setTimeout(() => this.fail("transfer lifetime exceeded", this.confirmed), policy.lifetimeMs);
    this.lifetime.unref();
  }

  start(): void {
    if (this.firstPacket) {
      this.send(this.firstPacket);
      this.arm();
    } else {
      this.sendWindow();
    }
  }

  /** The client repeated its request before acknowledging anything: it lost our first packet. */
  repeatFirst(): void {
    if (this.confirmed || this.ended) return;
    if (this.firstPacket) this.send(this.firstPacket);
    else this.sendWindow();
  }

  handle(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.ended || this.closing) return;
    if (rinfo.address !== this.peer.address || rinfo.port !== this.peer.port) {
      this.answerForeign(rinfo);
      return;
    }
    const opcode = opcodeOf(msg);
    if (opcode === OP.ERROR) {
      this.finish({ ok: false, reason: "client sent an error" });
      return;
    }
    const block = parseAck(msg);
    if (block !== null) this.onAck(block);
    // Anything else from the client's own TID (truncated, DATA, requests) is ignored.
  }

  private onAck(block: number): void {
    if (this.acked === -1) {
      if (block !== 0) return;
      this.acknowledged(0);
      return;
    }
    // The only sequence number in (acked, sentTo] carrying this 16-bit value (windows < 65536).
    const seq = this.sentTo - (((this.sentTo & 0xffff) - block + 0x10000) & 0xffff);
    if (seq <= this.acked) return; // duplicate or stale: never resend on it
    this.acknowledged(seq);
  }

  private acknowledged(seq: number): void {
    this.acked = seq;
    if (!this.confirmed) {
      this.confirmed = true;
      this.onConfirmed();
    }
    this.retries = 0;
    this.timeoutMs = this.options.timeoutMs ?? this.policy.timeoutMs;
    if (this.acked >= this.totalBlocks) this.finish({ ok: true, bytes: this.source.size });
    else this.sendWindow();
  }

  private sendWindow(): void {
    const from = this.acked + 1;
    const to = Math.min(this.acked + this.options.windowsize, this.totalBlocks);
    const { blksize } = this.options;
    const slot = 4 + blksize;
    if (this.socket.getSendQueueCount() > 0) this.window = Buffer.allocUnsafe(this.window.length);
    const window = this.window;
    try {
      for (let seq = from; seq <= to; seq++) {
        const at = (seq - from) * slot;
        window.writeUInt16BE(OP.DATA, at);
        window.writeUInt16BE(seq & 0xffff, at + 2);
        const n = this.source.readInto(window, at + 4, (seq - 1) * blksize, blksize);
        this.socket.send(window, at, 4 + n, this.peer.port, this.peer.address);
      }
    } catch {
      this.fail("read error", true);
      return;
    }
    this.sentTo = Math.max(this.sentTo, to);
    this.arm();
  }

  private arm(): void {
    if (this.timer && this.timerMs === this.timeoutMs) {
      this.timer.refresh();
    } else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(this.onTimer, this.timeoutMs);
      this.timerMs = this.timeoutMs;
    }
    this.timerArmed = true;
  }

  private disarm(): void {
    // The timer object stays for the next refresh(); a disarmed timer that fires does nothing.
    this.timerArmed = false;
  }

  private readonly onTimer = () => {
    if (this.timerArmed) this.onTimeout();
  };

  private onTimeout(): void {
    this.timerArmed = false;
    if (this.ended || this.closing) return;
    if (++this.retries > this.policy.maxRetries) {
      this.fail("timed out", this.confirmed);
      return;
    }
    if (!this.confirmed && this.retries > (this.policy.unconfirmedRetries ?? 1)) {
      this.fail("never acknowledged", false);
      return;
    }
    this.timeoutMs = Math.min(this.timeoutMs * 2, this.policy.maxTimeoutMs);
    if (!this.confirmed) {
      this.arm(); // keep listening for a late ACK, but send nothing to an unproven source
      return;
    }
    this.sendWindow(); // resend from the block after the last one acknowledged (RFC 7440)
  }

  private answerForeign(rinfo: RemoteInfo): void {
    const second = Math.floor(performance.now() / 1000);
    if (second !== this.tidErrors.second) this.tidErrors = { second, count: 0 };
    if (++this.tidErrors.count > MAX_TID_ERRORS_PER_SECOND) return;
    this.socket.send(encodeError(ERR.unknownTid, "Unknown transfer ID"), rinfo.port, rinfo.address, () => {});
  }

  private send(packet: Buffer, then: () => void = () => {}): void {
    this.socket.send(packet, this.peer.port, this.peer.address, () => then());
  }

  private fail(reason: string, tellClient: boolean): void {
    if (this.ended || this.closing) return;
    this.closing = true;
    // The socket closes when the transfer ends: let the ERROR leave first.
    if (tellClient) this.send(encodeError(ERR.undefined, reason), () => this.finish({ ok: false, reason }));
    else this.finish({ ok: false, reason });
    this.disarm();
  }

  private finish(end: TransferEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.disarm();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    clearTimeout(this.lifetime);
    this.source.close();
    this.onEnd(end);
  }

  /** Stops the transfer without a word (server shutdown). */
  abort(reason = "server closing"): void {
    this.finish({ ok: false, reason });
  }
}
