import { isIP } from "node:net";

export type SipTransportName = "udp" | "tcp";

/** Where a SIP request goes: host, port, transport, and the Request-URI to put on it. */
export interface SipTarget {
  readonly host: string;
  readonly port: number;
  readonly transport: SipTransportName;
  readonly uri: string;
}

export interface SipUri {
  readonly user: string | null;
  readonly host: string;
  readonly port: number | null;
  readonly transport: string | null;
}

// sip:[user@]host[:port][;params] — host is a name, IPv4, or [IPv6]. Nothing else is accepted.
const SIP_URI = /^sips?:(?:([^@\s;?]{1,128})@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?((?:;[^\s;?]{1,128})*)(?:\?\S*)?$/;

/** Parses a SIP or SIPS URI, tolerating `<...>` and a display name around it; null when it is not one. */
export function parseSipUri(input: string): SipUri | null {
  const trimmed = input.trim();
  const inner = /<([^>]*)>/.exec(trimmed)?.[1] ?? trimmed;
  const m = SIP_URI.exec(inner);
  if (!m) return null;
  const port = m[3] ? Number(m[3]) : null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  const transport = /;transport=([a-z]+)/i.exec(m[4] ?? "")?.[1]?.toLowerCase() ?? null;
  return { user: m[1] ?? null, host: m[2]!.replace(/^\[|\]$/g, ""), port, transport };
}

/** Parses `host:port` or `[v6]:port` (the webhook's `source`); null when malformed. */
export function parseHostPort(input: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(input.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2])!, port };
}

/** `host` as it appears in a URI: IPv6 in brackets. */
export const uriHost = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);
