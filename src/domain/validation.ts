import { isIP } from "node:net";

/** Field rules shared by the admin API, the CLI and the demo loader. */

// Control characters would let a value escape its line or attribute in a config file. The
// vendors' encoders neutralise them anyway; the API refuses them so the operator learns at once.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
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
