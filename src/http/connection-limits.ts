import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import { normalizeAddress } from "../domain/validation.ts";

/** Timeouts of the phone-facing listeners, in milliseconds (config: httpHeadersTimeoutMs, ...). */
export interface ListenerTimeouts {
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/**
 * Options for `http.createServer` / `https.createServer`. Node checks `headersTimeout` and
 * `requestTimeout` only every `connectionsCheckingInterval` (30 s by default), so a connection that
 * never sends a header lived up to 40 s; checking every second (or at half the header timeout)
 * closes it close to the configured time.
 */
export function listenerOptions(t: ListenerTimeouts) {
  return {
    // Node refuses a header timeout longer than the request timeout.
    headersTimeout: t.requestTimeoutMs > 0 ? Math.min(t.headersTimeoutMs, t.requestTimeoutMs) : t.headersTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    keepAliveTimeout: t.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(t.headersTimeoutMs / 2))),
  };
}

/**
 * Open connections per source address, shared by the HTTP and HTTPS listeners. One host that opens
 * thousands of idle connections would otherwise use up the process's file descriptors and lock
 * every phone out; past the cap its new connections are closed at once, before TLS or HTTP parsing,
 * while other sources are still served. The cap is per address, so a site behind one NAT address
 * needs it at least as high as the phones it boots at the same time (docs/configuration.md).
 */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();
  refused = 0;

  constructor(private readonly maxPerSource: number) {}

  /** Counts `socket` in, or destroys it when its source is at the cap. */
  admit(socket: Socket): void {
    const source = normalizeAddress(socket.remoteAddress ?? "");
    const count = this.open.get(source) ?? 0;
    if (count >= this.maxPerSource) {
      this.refused++;
      socket.destroy();
      return;
    }
    this.open.set(source, count + 1);
    socket.once("close", () => {
      const left = (this.open.get(source) ?? 1) - 1;
      if (left > 0) this.open.set(source, left);
      else this.open.delete(source);
    });
  }

  /** Applies the cap to `server`, ahead of its own connection handling. */
  attach(server: HttpServer | HttpsServer): void {
    server.prependListener("connection", (socket: Socket) => this.admit(socket));
  }

  /** Open connections of one source (for tests and metrics). */
  openFrom(address: string): number {
    return this.open.get(normalizeAddress(address)) ?? 0;
  }
}

/**
 * Closes a connection whose first request has not arrived within `ms` of connecting (of the TLS
 * handshake on HTTPS). Node's `headersTimeout` starts counting at the first byte, so a connection
 * that sends nothing at all was never closed (`server.timeout` is 0 by default): the cheapest way
 * to hold a file descriptor. Later requests on the connection are bounded by `keepAliveTimeout`
 * and `headersTimeout`.
 */
export function closeSilentConnections(server: HttpServer | HttpsServer, ms: number): void {
  const waiting = new WeakMap<Socket, NodeJS.Timeout>();
  const event = "setSecureContext" in server ? "secureConnection" : "connection";
  server.on(event, (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    waiting.set(socket, timer);
    socket.once("close", () => clearTimeout(timer));
  });
  server.on("request", (req: { socket: Socket }) => {
    const timer = waiting.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    waiting.delete(req.socket);
  });
}
