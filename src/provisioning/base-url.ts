import { isIP, isIPv6 } from "node:net";
import { normalizeAddress } from "../domain/validation.ts";

/**
 * Which base URL a phone is told to provision from (and send its events to), and the rule that no
 * phone is told a URL it cannot reach. Precedence:
 *   1. the tenant's `provisioningBaseUrl`;
 *   2. the server's `publicUrl` when the operator set it (`--public-url`, PHONEHOME_PUBLIC_URL);
 *   3. the URL the phone itself used: the listener's scheme and the request's Host header;
 *   4. the built-in default `http://<httpHost or localhost>:<httpPort>/`.
 * Whatever wins, a loopback URL is never handed to a phone that is not itself on loopback.
 */

// RFC 1123 host names: letters, digits and inner hyphens per label, at most 253 characters.
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/;
const HOST_HEADER = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/;

/**
 * The base URL a request reached, from the listener's scheme and the Host header; null when the
 * header is absent or is not a plain host name, IPv4 address or bracketed IPv6 address with an
 * optional port. Nothing else (spaces, CR/LF, `@`, `/`, quotes, percent signs) can come through,
 * so a hostile Host header cannot reach a phone file beyond a well-formed host.
 */
export function requestBaseUrl(scheme: "http" | "https", hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  // A pure function of its two strings, asked on every phone request with the same few Host headers.
  const key = `${scheme} ${hostHeader}`;
  const known = baseUrls.get(key);
  if (known !== undefined) return known;
  const url = parseBaseUrl(scheme, hostHeader);
  // Bounded: Host headers are the client's to choose.
  if (baseUrls.size >= 1000) baseUrls.clear();
  baseUrls.set(key, url);
  return url;
}

const baseUrls = new Map<string, string | null>();

function parseBaseUrl(scheme: "http" | "https", hostHeader: string): string | null {
  const m = HOST_HEADER.exec(hostHeader.trim().toLowerCase());
  if (!m) return null;
  const [, v6, name, port] = m;
  if (v6 !== undefined && !isIPv6(v6)) return null;
  if (name !== undefined && !HOST_NAME.test(name) && isIP(name) !== 4) return null;
  if (name !== undefined && /^[\d.]+$/.test(name) && isIP(name) !== 4) return null;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  const host = v6 !== undefined ? `[${v6}]` : name!.replace(/\.$/, "");
  try {
    const url = new URL(`${scheme}://${host}${port ? `:${port}` : ""}/`);
    return url.href;
  } catch {
    return null;
  }
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const a = normalizeAddress(address);
  return a === "::1" || (isIP(a) === 4 && a.startsWith("127."));
}

/** A URL whose host is loopback or unspecified: reachable from this machine only, if at all. */
export function isLocalOnlyUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return true;
  }
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (bare === "0.0.0.0" || bare === "::" || bare === "::1") return true;
  if (bare.startsWith("::ffff:")) return isLoopbackAddress(bare) || bare === "::ffff:0.0.0.0";
  return isIP(bare) === 4 && bare.startsWith("127.");
}

export interface BaseUrlInputs {
  readonly tenantUrl: string | null;
  /** The server's publicUrl (configured or the built-in default). */
  readonly serverUrl: string;
  /** The operator set publicUrl: it wins over the request's Host. */
  readonly serverUrlConfigured: boolean;
  /** requestBaseUrl() of the request; null over TFTP or without a usable Host header. */
  readonly requestUrl: string | null;
  /** The phone's source address is loopback and the request did not come through a proxy. */
  readonly phoneIsLocal: boolean;
}

export type BaseUrlChoice =
  | { readonly ok: true; readonly url: string; readonly source: "tenant" | "configured" | "request" | "default" }
  | { readonly ok: false; readonly url: string; readonly source: "tenant" | "configured" | "request" | "default" };

export function chooseBaseUrl(i: BaseUrlInputs): BaseUrlChoice {
  const pick = (url: string, source: BaseUrlChoice["source"]): BaseUrlChoice => {
    const href = url.endsWith("/") ? url : `${url}/`;
    return { ok: i.phoneIsLocal || !isLocalOnlyUrl(href), url: href, source };
  };
  if (i.tenantUrl) return pick(i.tenantUrl, "tenant");
  if (i.serverUrlConfigured) return pick(i.serverUrl, "configured");
  if (i.requestUrl) return pick(i.requestUrl, "request");
  return pick(i.serverUrl, "default");
}
