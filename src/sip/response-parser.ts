/**
 * A SIP response as the NOTIFY sender needs it. Header names are lower-cased, compact forms
 * expanded (RFC 3261 §7.3.3), values kept in order.
 */
export interface SipResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/** Anything larger is not an answer to our NOTIFY (RFC 3261 §18.1.1 keeps UDP messages < 1300 bytes). */
export const MAX_SIP_MESSAGE_BYTES = 65_535;
const MAX_HEADERS = 100;
const COMPACT: Readonly<Record<string, string>> = {
  v: "via",
  f: "from",
  t: "to",
  i: "call-id",
  m: "contact",
  l: "content-length",
  c: "content-type",
  e: "content-encoding",
  k: "supported",
  o: "event",
};
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) ([\x20-\x7e\x80-\xff]{0,200})$/;
const HEADER_LINE = /^([A-Za-z0-9!%*_+`'~.-]{1,64})[ \t]*:[ \t]*(.*)$/;

export type ParseResult = { readonly ok: true; readonly response: SipResponse } | { readonly ok: false; readonly error: string };

/**
 * Parses one response datagram or stream frame. Hardened: size cap, strict status line, header
 * count cap, no control characters, and the headers a transaction match needs must be present.
 * Never throws.
 */
export function parseSipResponse(data: Buffer | string): ParseResult {
  const text = typeof data === "string" ? data : data.toString("latin1");
  if (text.length > MAX_SIP_MESSAGE_BYTES) return { ok: false, error: "message too large" };
  const end = text.indexOf("\r\n\r\n");
  const head = end === -1 ? text.replace(/\r\n$/, "") : text.slice(0, end);
  const lines = head.split("\r\n");
  const status = STATUS_LINE.exec(lines[0] ?? "");
  if (!status) return { ok: false, error: "not a SIP/2.0 status line" };
  if (lines.length - 1 > MAX_HEADERS) return { ok: false, error: "too many headers" };
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(line)) return { ok: false, error: "control character in a header" };
    const h = HEADER_LINE.exec(line);
    if (!h) return { ok: false, error: "malformed header line" };
    const raw = h[1]!.toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const list = headers.get(name) ?? [];
    list.push(h[2]!.trim());
    headers.set(name, list);
  }
  for (const required of ["via", "call-id", "cseq"]) {
    if (!headers.has(required)) return { ok: false, error: `missing ${required} header` };
  }
  return { ok: true, response: { status: Number(status[1]), reason: status[2]!, headers } };
}

export const header = (r: SipResponse, name: string): string | undefined => r.headers.get(name)?.[0];

/** The `branch` parameter of the top Via, which names the client transaction (RFC 3261 §17.1.3). */
export function topViaBranch(r: SipResponse): string | null {
  const via = header(r, "via");
  return via ? (/;\s*branch=([^;,\s]+)/i.exec(via)?.[1] ?? null) : null;
}

/** `CSeq: 1 NOTIFY` -> { seq: 1, method: "NOTIFY" }. */
export function cseqOf(r: SipResponse): { seq: number; method: string } | null {
  const m = /^(\d{1,10})\s+([A-Z]+)$/.exec(header(r, "cseq") ?? "");
  return m ? { seq: Number(m[1]), method: m[2]! } : null;
}
