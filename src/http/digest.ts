import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * HTTP Digest (RFC 7616 with MD5 and qop=auth, the variant every phone vendor implements).
 * Nonces are issued by this server: `<issued-ms base36>.<random>.<mac>` where the MAC is an HMAC
 * over time, random part and client address with the key of a NonceScope, so a nonce cannot be
 * forged, expires after `ttlMs`, and is bound to the address it was issued to. Replays are refused
 * by remembering the highest `nc` seen per nonce (the scope's counts); a response whose `nc` does
 * not grow is rejected.
 */
export const REALM = "phonehome";

export interface DigestParams {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly qop: string;
  readonly nc: string;
  readonly cnonce: string;
  readonly algorithm?: string;
}

const md5 = (s: string): string => createHash("md5").update(s, "utf8").digest("hex");

/** Parses an `Authorization: Digest ...` header; null when it is not a well-formed qop=auth Digest. */
export function parseDigestHeader(header: string | undefined): DigestParams | null {
  if (!header || header.length > 4096 || !/^digest\s/i.test(header)) return null;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,|$)/g;
  const rest = header.replace(/^digest\s+/i, "");
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!;
  const { username, realm, nonce, uri, response, qop, nc, cnonce, algorithm } = params;
  if (!username || !realm || !nonce || !uri || !response || !cnonce || !nc) return null;
  if (qop?.toLowerCase() !== "auth" || !/^[0-9a-f]{8}$/i.test(nc) || !/^[0-9a-f]{32}$/i.test(response)) return null;
  if (algorithm && algorithm.toUpperCase() !== "MD5") return null;
  return { username, realm, nonce, uri, response: response.toLowerCase(), qop: "auth", nc: nc.toLowerCase(), cnonce, algorithm };
}

export type NonceCheck = "ok" | "stale" | "invalid";

/** The highest `nc` seen per nonce: what refuses a replayed response. */
export interface NonceCounts {
  /** Records `nc` for `nonce` (valid until `expiresAt`) when it is higher than any recorded before; false for a replay. */
  advance(nonce: string, nc: number, expiresAt: number, now: number): boolean | Promise<boolean>;
  /** Forgets nonces whose lifetime ended at or before `now`. */
  sweep(now: number): void | Promise<void>;
}

/**
 * Where nonces are valid: the key that signs them and the counts that refuse their replays. The two
 * go together: a nonce is accepted only where its replay counts are kept. So a key known to one
 * process goes with counts in that process's memory (one server on SQLite; a restart invalidates
 * every nonce and with them the counts), and a key every node derives from the shared secret key
 * goes with counts in a table every node writes (nonce-counts-table.ts, on PostgreSQL).
 */
export interface NonceScope {
  readonly key: Buffer;
  readonly counts: NonceCounts;
}

/** This process's own scope: a random key and the counts in a Map. */
export function processNonceScope(): NonceScope {
  const used = new Map<string, { nc: number; expires: number }>();
  const sweep = (now: number) => {
    for (const [nonce, entry] of used) if (entry.expires <= now) used.delete(nonce);
  };
  return {
    key: randomBytes(32),
    counts: {
      advance(nonce, nc, expiresAt, now) {
        const prev = used.get(nonce);
        // An entry past its lifetime belongs to a stale nonce, which never reaches this check.
        if (prev && nc <= prev.nc) return false;
        used.set(nonce, { nc, expires: expiresAt });
        if (used.size > 200_000) sweep(now);
        return true;
      },
      sweep,
    },
  };
}

export class DigestAuth {
  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly scope: NonceScope = processNonceScope(),
  ) {}

  private sign(issued: string, rand: string, address: string): string {
    return createHmac("sha256", this.scope.key).update(`${issued}.${rand}.${address}`).digest("base64url").slice(0, 22);
  }

  issueNonce(address: string): string {
    const issued = this.clock().toString(36);
    const rand = randomBytes(9).toString("base64url");
    return `${issued}.${rand}.${this.sign(issued, rand, address)}`;
  }

  challenge(address: string, stale = false): string {
    return `Digest realm="${REALM}", qop="auth", algorithm=MD5, nonce="${this.issueNonce(address)}"${stale ? ", stale=true" : ""}`;
  }

  checkNonce(nonce: string, address: string): NonceCheck {
    const [issued, rand, sig, extra] = nonce.split(".");
    if (!issued || !rand || !sig || extra !== undefined) return "invalid";
    const expected = Buffer.from(this.sign(issued, rand, address));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "invalid";
    const age = this.clock() - parseInt(issued, 36);
    if (!(age >= 0)) return "invalid";
    return age > this.ttlMs ? "stale" : "ok";
  }

  /**
   * True when the response in `p` was computed with `password`, whatever the nonce's age; records
   * nothing (advance() does, once the request is granted). With a stale nonce this decides
   * `stale=true` (RFC 7616 §3.3: only for a valid digest). The same work whether or not the user
   * name matches (an unknown MAC is checked against a dummy user): no early return, so timing does
   * not tell which MACs exist (issue 11 item 3).
   */
  proves(p: DigestParams, method: string, username: string, password: string): boolean {
    return this.provesHa1(p, method, username, digestHa1(username, password));
  }

  /** proves() with the HA1 of the user's password: the same work, without the password. */
  provesHa1(p: DigestParams, method: string, username: string, ha1: string): boolean {
    const sameUser = equalText(p.username, username);
    const sameRealm = p.realm === REALM;
    const ha2 = md5(`${method}:${p.uri}`);
    const expected = Buffer.from(md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`));
    const given = Buffer.from(p.response);
    const sameResponse = given.length === expected.length && timingSafeEqual(expected, given);
    return sameUser && sameRealm && sameResponse;
  }

  /**
   * Records the `nc` of a proven response against replays: false when that nonce already had this
   * `nc` or a higher one. A promise only where the counts are shared by several nodes.
   */
  advance(p: DigestParams): boolean | Promise<boolean> {
    const issued = parseInt(p.nonce.slice(0, p.nonce.indexOf(".")), 36);
    return this.scope.counts.advance(p.nonce, parseInt(p.nc, 16), issued + this.ttlMs, this.clock());
  }

  /** Drops nonces past their lifetime; called periodically. */
  sweep(): void | Promise<void> {
    return this.scope.counts.sweep(this.clock());
  }
}

/**
 * HA1 of RFC 7616 §3.4.2 (MD5): what a Digest check needs of the password. A server may keep it
 * instead of the password; it proves the password for this realm only.
 */
export function digestHa1(username: string, password: string): string {
  return md5(`${username}:${REALM}:${password}`);
}

/** Compares two strings in time that depends on their lengths only (both hashed to 32 bytes first). */
function equalText(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
