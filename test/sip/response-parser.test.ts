import { describe, expect, it } from "vitest";
import { cseqOf, parseSipResponse, topViaBranch } from "../../src/sip/response-parser.ts";
import { digestAuthorization, parseChallenge } from "../../src/sip/digest.ts";

const ok = "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc;rport\r\ni: x@y\r\nCSeq: 1 NOTIFY\r\nl: 0\r\n\r\n";

describe("SIP response parser", () => {
  it("reads a response with compact header names", () => {
    const r = parseSipResponse(ok);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.response.status).toBe(200);
    expect(topViaBranch(r.response)).toBe("z9hG4bKabc");
    expect(cseqOf(r.response)).toEqual({ seq: 1, method: "NOTIFY" });
  });

  it.each([
    ["", /status line/],
    ["HTTP/1.1 200 OK\r\n\r\n", /status line/],
    ["SIP/2.0 2000 OK\r\n\r\n", /status line/],
    ["SIP/2.0 200 OK\r\nno colon here\r\n\r\n", /malformed header/],
    ["SIP/2.0 200 OK\r\nVia: a\x00b\r\n\r\n", /control character/],
    ["SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 NOTIFY\r\n\r\n", /missing via/],
    [`SIP/2.0 200 OK\r\n${"X-A: b\r\n".repeat(101)}\r\n`, /too many headers/],
    ["SIP/2.0 200 OK\r\n" + "x".repeat(70_000), /too large/],
  ])("refuses %j", (input, error) => {
    const r = parseSipResponse(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});

describe("digest for a NOTIFY challenge", () => {
  it("computes the RFC 2617 qop=auth response", () => {
    const c = parseChallenge('Digest realm="phone.test", nonce="abc", qop="auth,auth-int", algorithm=MD5, opaque="o"')!;
    expect(c).toMatchObject({ realm: "phone.test", nonce: "abc", qop: "auth", opaque: "o" });
    // md5(md5("101:phone.test:pw"):abc:00000001:cn:auth:md5("NOTIFY:sip:101@h")), computed independently with openssl.
    const value = digestAuthorization(c, { username: "101", password: "pw" }, "NOTIFY", "sip:101@h", "cn");
    expect(value).toMatch(/^Digest username="101", realm="phone.test", nonce="abc", uri="sip:101@h", response="c5afe32064617d23bc0e8c706aa0aa3e", algorithm=MD5, qop=auth, nc=00000001, cnonce="cn", opaque="o"$/);
  });

  it("refuses challenges it cannot answer", () => {
    expect(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-256')).toBeNull();
    expect(parseChallenge('Digest realm="r", nonce="n", qop="auth-int"')).toBeNull();
    expect(parseChallenge("Basic realm=r")).toBeNull();
    expect(parseChallenge(undefined)).toBeNull();
  });
});
