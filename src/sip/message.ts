import { randomBytes } from "node:crypto";
import { uriHost, type SipTransportName } from "./uri.ts";

/** The magic cookie every RFC 3261 branch starts with (§8.1.1.7). */
export const newBranch = (): string => `z9hG4bK${randomBytes(10).toString("hex")}`;
export const newTag = (): string => randomBytes(6).toString("hex");
export const newCallId = (): string => `${randomBytes(12).toString("hex")}@phonehome`;

export interface NotifyMessage {
  readonly requestUri: string;
  readonly transport: SipTransportName;
  /** Where the phone must send its responses (our socket). */
  readonly local: { readonly host: string; readonly port: number };
  readonly branch: string;
  readonly fromDomain: string;
  readonly fromTag: string;
  readonly toUri: string;
  readonly callId: string;
  readonly cseq: number;
  /** The Event header value, e.g. `check-sync;reboot=false`. */
  readonly event: string;
  /** `Authorization: ...` or `Proxy-Authorization: ...` answering a challenge. */
  readonly authorization?: { readonly header: "Authorization" | "Proxy-Authorization"; readonly value: string };
}

/**
 * A NOTIFY without a body (RFC 3261 §8.1.1 mandatory headers, RFC 6665 Event and
 * Subscription-State). Values come from our own data (URIs we parsed, hex ids), never raw input:
 * callers pass URIs that passed `parseSipUri`.
 */
export function buildNotify(m: NotifyMessage): string {
  const proto = m.transport.toUpperCase();
  const local = `${uriHost(m.local.host)}:${m.local.port}`;
  const lines = [
    `NOTIFY ${m.requestUri} SIP/2.0`,
    `Via: SIP/2.0/${proto} ${local};branch=${m.branch};rport`,
    "Max-Forwards: 70",
    `From: <sip:phonehome@${m.fromDomain}>;tag=${m.fromTag}`,
    `To: <${m.toUri}>`,
    `Call-ID: ${m.callId}`,
    `CSeq: ${m.cseq} NOTIFY`,
    `Contact: <sip:phonehome@${local};transport=${m.transport}>`,
    `Event: ${m.event}`,
    "Subscription-State: terminated",
    "User-Agent: phonehome",
  ];
  if (m.authorization) lines.push(`${m.authorization.header}: ${m.authorization.value}`);
  lines.push("Content-Length: 0", "", "");
  return lines.join("\r\n");
}
