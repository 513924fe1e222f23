import { createSocket, type Socket } from "node:dgram";
import { connect, isIP, type Socket as TcpSocket } from "node:net";
import { cseqOf, parseSipResponse, topViaBranch, MAX_SIP_MESSAGE_BYTES, type SipResponse } from "./response-parser.ts";
import type { SipTarget } from "./uri.ts";

/** RFC 3261 §17.1.2 timers; tests shorten them. */
export interface SipTimers {
  readonly t1Ms: number;
  readonly t2Ms: number;
  readonly timerFMs: number;
}

export interface SocketSettings {
  readonly bindHost: string;
  /** Host written into Via/Contact; default the socket's local address. */
  readonly advertisedHost?: string;
}

export type TransactionResult =
  | { readonly kind: "final"; readonly response: SipResponse; readonly malformed: number }
  | { readonly kind: "timeout"; readonly malformed: number; readonly provisional: boolean }
  | { readonly kind: "error"; readonly message: string };

/** Builds the request once the local address is known (it goes into Via and Contact). */
export type RequestBuilder = (local: { host: string; port: number }) => string;

/** Tracks the responses of one transaction: matches branch and method, counts junk. */
class Matcher {
  malformed = 0;
  provisional = false;
  constructor(private readonly branch: string) {}
  /** The final response, or null when `data` was provisional, foreign or malformed. */
  offer(data: Buffer | string): SipResponse | null {
    const parsed = parseSipResponse(data);
    if (!parsed.ok) {
      this.malformed++;
      return null;
    }
    const r = parsed.response;
    if (topViaBranch(r) !== this.branch || cseqOf(r)?.method !== "NOTIFY") return null;
    if (r.status < 200) {
      this.provisional = true;
      return null;
    }
    return r;
  }
}

/**
 * A UDP socket bound once and connected to the phone, so both transactions of a challenged NOTIFY
 * leave from the same port (phones and sipp answer the address the dialog started from), and
 * only the phone's datagrams reach us.
 */
export class UdpChannel {
  private current: ((msg: Buffer) => void) | null = null;
  private failure: ((err: Error) => void) | null = null;
  private constructor(
    private readonly socket: Socket,
    readonly local: { host: string; port: number },
  ) {
    socket.on("message", (msg) => this.current?.(msg));
    socket.on("error", (err) => this.failure?.(err));
  }

  static open(target: SipTarget, net: SocketSettings): Promise<UdpChannel> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIP(target.host) === 6 ? "udp6" : "udp4" });
      socket.once("error", reject);
      socket.bind(0, net.bindHost, () => {
        socket.connect(target.port, target.host, () => {
          socket.off("error", reject);
          const a = socket.address();
          resolve(new UdpChannel(socket, { host: net.advertisedHost ?? a.address, port: a.port }));
        });
      });
    });
  }

  /**
   * Non-INVITE client transaction (RFC 3261 §17.1.2): retransmit on Timer E, starting at T1 and
   * doubling up to T2 (T2 at once after a provisional response), give up at Timer F.
   */
  transact(branch: string, build: RequestBuilder, timers: SipTimers): Promise<TransactionResult> {
    return new Promise((resolve) => {
      const matcher = new Matcher(branch);
      const request = Buffer.from(build(this.local), "utf8");
      let timerE: NodeJS.Timeout | null = null;
      let done = false;
      const finish = (result: TransactionResult) => {
        if (done) return;
        done = true;
        if (timerE) clearTimeout(timerE);
        clearTimeout(timerF);
        this.current = null;
        this.failure = null;
        resolve(result);
      };
      const timerF = setTimeout(() => finish({ kind: "timeout", malformed: matcher.malformed, provisional: matcher.provisional }), timers.timerFMs);
      this.failure = (err) => finish({ kind: "error", message: err.message });
      this.current = (msg) => {
        if (msg.length > MAX_SIP_MESSAGE_BYTES) return void matcher.malformed++;
        const final = matcher.offer(msg);
        if (final) finish({ kind: "final", response: final, malformed: matcher.malformed });
      };
      let interval = timers.t1Ms;
      const send = () => {
        if (done) return;
        this.socket.send(request, (err) => err && finish({ kind: "error", message: err.message }));
        timerE = setTimeout(send, interval);
        interval = matcher.provisional ? timers.t2Ms : Math.min(interval * 2, timers.t2Ms);
      };
      send();
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Non-INVITE client transaction over TCP: one send, no retransmission, Timer F still bounds it. */
export function tcpTransaction(target: SipTarget, branch: string, build: RequestBuilder, timers: SipTimers, net: SocketSettings): Promise<TransactionResult> {
  return new Promise((resolve) => {
    const matcher = new Matcher(branch);
    const localAddress = net.bindHost === "0.0.0.0" || net.bindHost === "::" ? undefined : net.bindHost;
    const socket: TcpSocket = connect({ host: target.host, port: target.port, localAddress });
    let buffer = "";
    let done = false;
    const finish = (result: TransactionResult) => {
      if (done) return;
      done = true;
      clearTimeout(timerF);
      socket.destroy();
      resolve(result);
    };
    const timerF = setTimeout(() => finish({ kind: "timeout", malformed: matcher.malformed, provisional: matcher.provisional }), timers.timerFMs);
    socket.on("error", (err) => finish({ kind: "error", message: err.message }));
    socket.on("connect", () => {
      socket.write(build({ host: net.advertisedHost ?? socket.localAddress!, port: socket.localPort! }));
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      if (buffer.length > MAX_SIP_MESSAGE_BYTES) return finish({ kind: "error", message: "response stream too large" });
      for (let frame = takeFrame(buffer); frame; frame = takeFrame(buffer)) {
        buffer = frame.rest;
        const final = matcher.offer(frame.message);
        if (final) return finish({ kind: "final", response: final, malformed: matcher.malformed });
      }
    });
  });
}

/** Splits one message off a TCP stream using Content-Length (RFC 3261 §18.3). */
function takeFrame(buffer: string): { message: string; rest: string } | null {
  const end = buffer.indexOf("\r\n\r\n");
  if (end === -1) return null;
  const length = Number(/\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,6})/i.exec(buffer.slice(0, end + 2))?.[1] ?? 0);
  const total = end + 4 + length;
  if (buffer.length < total) return null;
  return { message: buffer.slice(0, total), rest: buffer.slice(total) };
}
