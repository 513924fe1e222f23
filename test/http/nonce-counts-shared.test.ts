import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { DigestAuth, parseDigestHeader, REALM, type DigestParams } from "../../src/http/digest.ts";
import { nonceScopeFor, sharedNonceScope } from "../../src/http/nonce-counts-table.ts";
import { createSecretBox } from "../../src/secrets.ts";
import { dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Digest nonces shared by the nodes of one database (docs/scale-out.md): a nonce issued by one node
 * is checked by another, and a response accepted by one is refused when replayed to another. Two
 * DigestAuth on one database, as two nodes have; the same body on each database.
 */
const postgres = usePostgres();
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const ADDRESS = "192.0.2.10";

function answer(nonce: string, nc: string): DigestParams {
  const ha1 = md5(`805ec0000101:${REALM}:pw`);
  const response = md5(`${ha1}:${nonce}:${nc}:c0ffee:auth:${md5("GET:/805ec0000101.cfg")}`);
  return parseDigestHeader(
    `Digest username="805ec0000101", realm="${REALM}", nonce="${nonce}", uri="/805ec0000101.cfg", response="${response}", qop=auth, nc=${nc}, cnonce="c0ffee"`,
  )!;
}

/** What the phone handler does before it answers: the password proven, then the nc recorded. */
async function accepted(node: DigestAuth, p: DigestParams): Promise<boolean> {
  return node.checkNonce(p.nonce, ADDRESS) === "ok" && node.proves(p, "GET", "805ec0000101", "pw") && (await node.advance(p));
}

describe.each(dataDialects(postgres))("Digest nonces shared by two nodes on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;
  let now: number;
  const key = randomBytes(32);
  const node = (secretKey = key) => new DigestAuth(60_000, () => now, sharedNonceScope(data, createSecretBox(secretKey)));

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    now = Date.UTC(2026, 11, 2, 9, 0, 0);
  });
  afterEach(() => cleanup());

  it("checks a nonce the other node issued, and refuses the other node's accepted response replayed", async () => {
    const [a, b] = [node(), node()];
    const nonce = a.issueNonce(ADDRESS);
    expect(b.checkNonce(nonce, ADDRESS)).toBe("ok");
    expect(await accepted(a, answer(nonce, "00000001"))).toBe(true);
    expect(await accepted(b, answer(nonce, "00000001"))).toBe(false);
    expect(await accepted(a, answer(nonce, "00000001"))).toBe(false);
    // The phone's next request on the same nonce counts up, on either node.
    expect(await accepted(b, answer(nonce, "00000002"))).toBe(true);
    expect(await accepted(a, answer(nonce, "00000002"))).toBe(false);
  });

  it("lets exactly one of two nodes accept one response given to both at once", async () => {
    const [a, b] = [node(), node()];
    const p = answer(a.issueNonce(ADDRESS), "00000007");
    const results = await Promise.all([accepted(a, p), accepted(b, p), accepted(a, p), accepted(b, p)]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("refuses a nonce signed under another secret key", async () => {
    const nonce = node().issueNonce(ADDRESS);
    expect(node(randomBytes(32)).checkNonce(nonce, ADDRESS)).toBe("invalid");
  });

  it("forgets the counts of nonces past their lifetime, and only those", async () => {
    const a = node();
    const old = a.issueNonce(ADDRESS);
    expect(await accepted(a, answer(old, "00000001"))).toBe(true);
    now += 30_000;
    const fresh = a.issueNonce(ADDRESS);
    expect(await accepted(a, answer(fresh, "00000001"))).toBe(true);
    now += 30_001;
    await a.sweep();
    const left = await data.read((q) => q.db.select({ nonce: q.t.digestNonces.nonce }).from(q.t.digestNonces));
    expect(left.map((r) => r.nonce)).toEqual([fresh]);
    expect(a.checkNonce(old, ADDRESS)).toBe("stale");
    expect(await accepted(a, answer(fresh, "00000001"))).toBe(false);
  });

  it("is chosen for PostgreSQL only; one SQLite server keeps its own", async () => {
    const box = createSecretBox(key);
    const [s1, s2] = [nonceScopeFor(data, box), nonceScopeFor(data, box)];
    if (data.dialect === "postgres") expect(s1.key.equals(s2.key)).toBe(true);
    else expect(s1.key.equals(s2.key)).toBe(false);
    expect(s1.key.equals(key)).toBe(false);
  });
});
