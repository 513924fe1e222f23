import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DigestAuth, parseDigestHeader, processNonceScope, REALM, type DigestParams } from "../../src/http/digest.ts";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

function answer(nonce: string, user: string, password: string, nc = "00000001", uri = "/x.cfg") {
  const ha1 = md5(`${user}:${REALM}:${password}`);
  const ha2 = md5(`GET:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:abc:auth:${ha2}`);
  return `Digest username="${user}", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, nc=${nc}, cnonce="abc", algorithm=MD5`;
}

/** What the phone handler does: the password proven, then the nc recorded against replays. */
const verify = (auth: DigestAuth, p: DigestParams, user: string, password: string) => auth.proves(p, "GET", user, password) && auth.advance(p) === true;

describe("HTTP Digest", () => {
  it("accepts a correct response once per nc and refuses a replay", () => {
    const auth = new DigestAuth(60_000);
    const nonce = auth.issueNonce("192.0.2.1");
    const p = parseDigestHeader(answer(nonce, "u", "pw"))!;
    expect(auth.checkNonce(p.nonce, "192.0.2.1")).toBe("ok");
    expect(verify(auth, p, "u", "pw")).toBe(true);
    expect(verify(auth, p, "u", "pw")).toBe(false);
    const next = parseDigestHeader(answer(nonce, "u", "pw", "00000002"))!;
    expect(verify(auth, next, "u", "pw")).toBe(true);
  });

  it("refuses a wrong password, a wrong user and a nonce from another address or forged", () => {
    const auth = new DigestAuth(60_000);
    const nonce = auth.issueNonce("192.0.2.1");
    const p = parseDigestHeader(answer(nonce, "u", "pw"))!;
    expect(verify(auth, p, "u", "other")).toBe(false);
    expect(verify(auth, p, "v", "pw")).toBe(false);
    expect(auth.checkNonce(nonce, "192.0.2.2")).toBe("invalid");
    expect(auth.checkNonce(`${nonce.slice(0, -2)}xx`, "192.0.2.1")).toBe("invalid");
    expect(auth.checkNonce("garbage", "192.0.2.1")).toBe("invalid");
  });

  it("refuses a replay whose nc is lower than one already seen, and forgets counts only past the nonce's lifetime", () => {
    let now = 1_000_000;
    const auth = new DigestAuth(1000, () => now);
    const nonce = auth.issueNonce("192.0.2.1");
    expect(verify(auth, parseDigestHeader(answer(nonce, "u", "pw", "00000005"))!, "u", "pw")).toBe(true);
    expect(verify(auth, parseDigestHeader(answer(nonce, "u", "pw", "00000003"))!, "u", "pw")).toBe(false);
    now += 999;
    void auth.sweep();
    expect(verify(auth, parseDigestHeader(answer(nonce, "u", "pw", "00000005"))!, "u", "pw")).toBe(false);
  });

  it("keeps the counts of nonces still valid when a full table is swept, and forgets only expired ones", () => {
    const now = 1_000_000;
    const { counts } = processNonceScope();
    expect(counts.advance("live", 1, now + 60_000, now)).toBe(true);
    expect(counts.advance("expired", 1, now - 1, now)).toBe(true);
    // 30 s later, past 200,000 entries, the table sweeps itself at the current time: "live" has 30 s left.
    const later = now + 30_000;
    for (let i = 0; i < 200_001; i++) void counts.advance(`n${i}`, 1, later + 60_000, later);
    expect(counts.advance("live", 1, now + 60_000, later)).toBe(false);
    expect(counts.advance("expired", 1, now + 60_000, later)).toBe(true);
  });

  it("accepts a nonce only in the scope that signed it", () => {
    const a = new DigestAuth(60_000);
    const b = new DigestAuth(60_000);
    expect(a.checkNonce(a.issueNonce("192.0.2.1"), "192.0.2.1")).toBe("ok");
    expect(b.checkNonce(a.issueNonce("192.0.2.1"), "192.0.2.1")).toBe("invalid");
  });

  it("marks an expired nonce stale", () => {
    let now = 1_000_000;
    const auth = new DigestAuth(1000, () => now);
    const nonce = auth.issueNonce("192.0.2.1");
    now += 1001;
    expect(auth.checkNonce(nonce, "192.0.2.1")).toBe("stale");
  });

  it.each([
    undefined,
    "Basic dTpw",
    'Digest username="u"',
    `Digest username="u", realm="r", nonce="n", uri="/", response="${"0".repeat(32)}", nc=00000001, cnonce="c"`,
    `Digest username="u", realm="r", nonce="n", uri="/", response="${"0".repeat(32)}", qop=auth-int, nc=00000001, cnonce="c"`,
    `Digest username="u", realm="r", nonce="n", uri="/", response="zz", qop=auth, nc=00000001, cnonce="c"`,
    "Digest " + "a=b,".repeat(2000),
  ])("does not parse malformed header %#", (header) => {
    expect(parseDigestHeader(header)).toBeNull();
  });
});
