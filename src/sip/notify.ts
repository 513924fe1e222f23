import { digestAuthorization, parseChallenge, type DigestCredentials } from "./digest.ts";
import { buildNotify, newBranch, newCallId, newTag } from "./message.ts";
import { header } from "./response-parser.ts";
import { tcpTransaction, UdpChannel, type SipTimers, type SocketSettings, type TransactionResult } from "./transaction.ts";
import type { SipTarget } from "./uri.ts";

export interface NotifyRequest {
  readonly target: SipTarget;
  /** Event header value: `check-sync;reboot=false`, `resync`, ... (the adapter's `notifyEvents`, src/vendors/vendor.ts). */
  readonly event: string;
  /** To: the line's address of record. */
  readonly toUri: string;
  readonly fromDomain: string;
  /** The line's SIP credentials, to answer a 401/407; null = cannot authenticate. */
  readonly credentials: DigestCredentials | null;
}

export type NotifyOutcomeKind = "ok" | "rejected" | "timeout" | "malformed" | "error";

export interface NotifyOutcome {
  readonly outcome: NotifyOutcomeKind;
  readonly status: number | null;
  readonly authenticated: boolean;
  readonly detail: string;
}

export interface NotifySettings {
  readonly timers: SipTimers;
  readonly socket: SocketSettings;
}

type Build = (branch: string) => (local: { host: string; port: number }) => string;

/** Runs transactions for one NOTIFY: over one UDP channel, or a TCP connection each. */
async function withTransport<T>(req: NotifyRequest, settings: NotifySettings, body: (transact: (build: Build) => Promise<TransactionResult>) => Promise<T>): Promise<T> {
  if (req.target.transport === "tcp") {
    return body((build) => {
      const branch = newBranch();
      return tcpTransaction(req.target, branch, build(branch), settings.timers, settings.socket);
    });
  }
  const channel = await UdpChannel.open(req.target, settings.socket);
  try {
    return await body((build) => {
      const branch = newBranch();
      return channel.transact(branch, build(branch), settings.timers);
    });
  } finally {
    channel.close();
  }
}

function describe(result: TransactionResult, authenticated: boolean): NotifyOutcome {
  if (result.kind === "error") return { outcome: "error", status: null, authenticated, detail: result.message };
  if (result.kind === "timeout") {
    const junk = result.malformed > 0;
    return {
      outcome: junk ? "malformed" : "timeout",
      status: null,
      authenticated,
      detail: junk ? `no valid final response (Timer F); ${result.malformed} malformed message(s) ignored` : "no final response (Timer F)",
    };
  }
  const { status, reason } = result.response;
  const ok = status >= 200 && status < 300;
  return { outcome: ok ? "ok" : "rejected", status, authenticated, detail: `${status} ${reason}`.slice(0, 200) };
}

/**
 * Sends one NOTIFY and, when the phone challenges it (401 WWW-Authenticate or 407
 * Proxy-Authenticate), sends it once more with the digest of the line's credentials: same Call-ID
 * and From tag, CSeq + 1, new branch (RFC 3261 §22.2). Never throws.
 */
export async function sendNotify(req: NotifyRequest, settings: NotifySettings): Promise<NotifyOutcome> {
  const callId = newCallId();
  const fromTag = newTag();
  const message = (branch: string, cseq: number, authorization?: { header: "Authorization" | "Proxy-Authorization"; value: string }) =>
    (local: { host: string; port: number }) =>
      buildNotify({ requestUri: req.target.uri, transport: req.target.transport, local, branch, fromDomain: req.fromDomain, fromTag, toUri: req.toUri, callId, cseq, event: req.event, authorization });
  try {
    return await withTransport(req, settings, async (transact) => {
      const first = await transact((b) => message(b, 1));
      if (first.kind !== "final" || (first.response.status !== 401 && first.response.status !== 407)) return describe(first, false);
      const proxy = first.response.status === 407;
      const challenge = parseChallenge(header(first.response, proxy ? "proxy-authenticate" : "www-authenticate"));
      if (!req.credentials) return { ...describe(first, false), detail: `${first.response.status}: challenged, but the line has no credentials` };
      if (!challenge) return { ...describe(first, false), detail: `${first.response.status}: challenge missing or not MD5 Digest` };
      const value = digestAuthorization(challenge, req.credentials, "NOTIFY", req.target.uri);
      const second = await transact((b) => message(b, 2, { header: proxy ? "Proxy-Authorization" : "Authorization", value }));
      return describe(second, true);
    });
  } catch (err) {
    return { outcome: "error", status: null, authenticated: false, detail: (err as Error).message };
  }
}
