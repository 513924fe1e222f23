import { isIP } from "node:net";

/** Field rules shared by the admin API, the CLI and the demo loader. */

// Control characters would let a value escape its line or attribute in a config file: C0, DEL,
// C1 (U+0080-U+009F, NEL among them) and the Unicode line / paragraph separators. Bidi embeddings,
// overrides and isolates (U+202A-U+202E, U+2066-U+2069) make a phone or admin screen show text in
// another order than it is stored ("Trojan Source", CVE-2021-42574). The vendors' encoders replace
// all of them (UNSAFE_CHARACTERS); the API refuses them so the operator learns at once.
const UNSAFE_SOURCE = "[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]";
const UNSAFE = new RegExp(UNSAFE_SOURCE);
/** Every character no name, label or config value may hold, global: for `replace`. */
export const UNSAFE_CHARACTERS = new RegExp(UNSAFE_SOURCE, "g");

/** True when `value` holds a control character (C0, DEL, C1, U+2028/2029) or a bidi control. */
export function hasControlCharacters(value: string): boolean {
  return UNSAFE.test(value);
}

/** What the API says about a value `hasControlCharacters` refuses. */
export const CONTROL_CHARACTERS_MESSAGE = "must not contain control characters (CR, LF, tab, C1 controls) or bidi controls (U+202A-U+202E, U+2066-U+2069)";

/** Longest provisioning URL accepted: a bound well above any real one, so no field of a phone overflows. */
const MAX_URL_LENGTH = 512;

/**
 * A URL phones are told to fetch from: absolute http(s) with a host, at most 512 characters, and no
 * character that could end or break out of the config value or XML attribute it is written into
 * (space, quotes, angle brackets, backslash, backtick, control and bidi characters).
 */
export function isProvisioningUrl(value: string): boolean {
  if (value.length > MAX_URL_LENGTH || /[\s"'<>\\`{}|^]/.test(value) || hasControlCharacters(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && /^https?:\/\/[^/]/i.test(value);
}

export const EXTENSION_NUMBER = /^[0-9]{2,15}$/;
/** SIP user part: RFC 3261 unreserved characters, kept conservative for phone UIs. */
export const SIP_USER = /^[A-Za-z0-9._~+-]{1,64}$/;
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A DNS name (RFC 1123 labels) or an IPv4/IPv6 literal. */
export function isHost(value: string): boolean {
  if (isIP(value)) return true;
  if (value.length > 253) return false;
  const labels = value.replace(/\.$/, "").split(".");
  return labels.length > 0 && labels.every((l) => HOST_LABEL.test(l));
}

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: "ipv4" | "ipv6";
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). Null when malformed. */
export function parseCidr(value: string): Cidr | null {
  const [address, prefixText, ...rest] = value.trim().split("/");
  if (!address || rest.length) return null;
  const version = isIP(address);
  if (!version) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Strips the IPv4-mapped IPv6 prefix Node puts on IPv4 peers of a dual-stack socket. */
export function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
