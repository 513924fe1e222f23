import { createHash, randomBytes } from "node:crypto";

/** A 401 `WWW-Authenticate` or 407 `Proxy-Authenticate` Digest challenge (RFC 3261 §22, RFC 2617). */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | null;
  readonly algorithm: string;
  /** "auth" when the server offers it; null for the RFC 2069 form. */
  readonly qop: "auth" | null;
}

const md5 = (s: string): string => createHash("md5").update(s, "utf8").digest("hex");

/** Parses a Digest challenge; null when it is not one we can answer (only MD5, qop auth or none). */
export function parseChallenge(value: string | undefined): DigestChallenge | null {
  if (!value || value.length > 2048) return null;
  const m = /^Digest\s+(.*)$/is.exec(value.trim());
  if (!m) return null;
  const params = new Map<string, string>();
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  for (const p of m[1]!.matchAll(re)) params.set(p[1]!.toLowerCase(), (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1"));
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  const algorithm = params.get("algorithm") ?? "MD5";
  if (realm === undefined || !nonce || algorithm.toUpperCase() !== "MD5") return null;
  const qops = (params.get("qop") ?? "").split(",").map((q) => q.trim().toLowerCase());
  if (params.has("qop") && !qops.includes("auth")) return null;
  return { realm, nonce, opaque: params.get("opaque") ?? null, algorithm: "MD5", qop: qops.includes("auth") ? "auth" : null };
}

export interface DigestCredentials {
  readonly username: string;
  readonly password: string;
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, "\\$&")}"`;

/** The `Authorization` / `Proxy-Authorization` value answering `challenge` for `method uri`. */
export function digestAuthorization(
  challenge: DigestChallenge,
  creds: DigestCredentials,
  method: string,
  uri: string,
  cnonce: string = randomBytes(8).toString("hex"),
  nc = "00000001",
): string {
  const ha1 = md5(`${creds.username}:${challenge.realm}:${creds.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = challenge.qop ? md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username=${quote(creds.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `response=${quote(response)}`,
    "algorithm=MD5",
  ];
  if (challenge.qop) parts.push("qop=auth", `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== null) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(", ")}`;
}
