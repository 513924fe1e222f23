import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDiscovered } from "../../src/services/discovery.ts";
import { updateTenant } from "../../src/services/tenants.ts";
import { TenantPatch } from "../../src/services/schemas.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

let s: DemoServer;

beforeAll(async () => {
  s = await startDemoServer({ fetchLogFlushMs: 5 });
});

afterAll(async () => s.close());

const phone = (mac: string) => s.demo.find((d) => d.mac === mac)!;

describe("phone-facing HTTP", () => {
  it("serves every demo phone's device files to curl --digest with its credentials, byte for byte", async () => {
    for (const d of s.demo) {
      for (const file of d.files) {
        const r = await curl(["--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${file}`]);
        expect(r.status, `${d.mac} ${file}`).toBe(200);
        expect(r.body).toBe(await s.expected(d.mac, file));
      }
    }
  });

  it("answers 401 with a Digest challenge without credentials", async () => {
    const r = await curl([`${s.phoneUrl}/805ec0000101.cfg`]);
    expect(r.status).toBe(401);
    expect(r.headers).toMatch(/WWW-Authenticate: Digest realm="phonehome", qop="auth", algorithm=MD5, nonce="[^"]+"/i);
  });

  it("gives an unknown MAC exactly the answer a wrong password gets", async () => {
    const unknown = await curl(["--digest", "-u", "805ec0999999:guess", `${s.phoneUrl}/805ec0999999.cfg`]);
    const wrong = await curl(["--digest", "-u", `805ec0000101:guess`, `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    const shape = (h: string) => h.split("\r\n").filter((l) => !/^(date|www-authenticate):/i.test(l)).sort();
    expect(shape(unknown.headers)).toEqual(shape(wrong.headers));
  });

  it("refuses another phone's credentials", async () => {
    const other = phone("805ec0000104");
    const r = await curl(["--digest", "-u", `${other.username}:${other.password}`, `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(r.status).toBe(401);
  });

  it("refuses a replayed Authorization header", async () => {
    const d = phone("c074ad000103");
    const first = await new Promise<{ status: number; www: string }>((resolve) => {
      request(`${s.phoneUrl}/cfgc074ad000103.xml`, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, www: String(res.headers["www-authenticate"]) });
      }).end();
    });
    const nonce = /nonce="([^"]+)"/.exec(first.www)![1]!;
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    const ha1 = md5(`${d.username}:phonehome:${d.password}`);
    const response = md5(`${ha1}:${nonce}:00000001:c0ffee:auth:${md5("GET:/cfgc074ad000103.xml")}`);
    const authorization = `Digest username="${d.username}", realm="phonehome", nonce="${nonce}", uri="/cfgc074ad000103.xml", response="${response}", qop=auth, nc=00000001, cnonce="c0ffee"`;
    const once = await curl(["-H", `Authorization: ${authorization}`, `${s.phoneUrl}/cfgc074ad000103.xml`]);
    const again = await curl(["-H", `Authorization: ${authorization}`, `${s.phoneUrl}/cfgc074ad000103.xml`]);
    expect(once.status).toBe(200);
    expect(again.status).toBe(401);
  });

  it("serves common files without credentials and never with secrets", async () => {
    const r = await curl([`${s.phoneUrl}/y000000000096.cfg`]);
    expect(r.status).toBe(200);
    expect(r.headers).toMatch(/content-type: text\/plain; charset=utf-8/i);
    for (const d of s.demo) expect(r.body).not.toContain(d.password);
    const gs = await curl([`${s.phoneUrl}/cfg.xml`]);
    expect(gs.status).toBe(200);
    expect(gs.headers).toMatch(/content-type: text\/xml/i);
  });

  it("supports HEAD, ETag and If-None-Match", async () => {
    const d = phone("805ec0000101");
    const auth = ["--digest", "-u", `${d.username}:${d.password}`];
    const get = await curl([...auth, `${s.phoneUrl}/805ec0000101.cfg`]);
    const etag = /etag: ("[0-9a-f]+")/i.exec(get.headers)![1]!;
    const head = await curl([...auth, "-I", `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(head.status).toBe(200);
    expect(head.headers).toContain(etag);
    expect(head.body).toBe("");
    const cached = await curl([...auth, "-H", `If-None-Match: ${etag}`, `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(cached.status).toBe(304);
    expect(cached.body).toBe("");
  });

  it.each([
    "/..%2f..%2fetc%2fpasswd",
    "/%2e%2e/secret.key",
    "/phonehome.db",
    "/secret.key",
    "/templates/yealink/device.hbs",
    "/805ec0000101.cfg/../../x",
    "/.805ec0000101.cfg",
    "/805ec0000101.cfg%00.xml",
  ])("serves nothing outside the vendor file set: %s", async (path) => {
    const r = await curl(["--path-as-is", `${s.phoneUrl}${path}`]);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toMatch(/account\.|BEGIN|sqlite/i);
  });

  it("refuses methods other than GET and HEAD", async () => {
    const r = await curl(["-X", "PUT", "--data", "x", `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(r.status).toBe(405);
  });

  it("puts an unknown phone in the discovery inbox with vendor, model and firmware from its User-Agent", async () => {
    const r = await curl(["-A", "Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56", `${s.phoneUrl}/805ec0123456.cfg`]);
    expect(r.status).toBe(401);
    await new Promise((res) => setTimeout(res, 50));
    const rt = s.runtime();
    try {
      const found = (await listDiscovered(rt)).find((d) => d.mac === "805ec0123456");
      expect(found).toMatchObject({ vendor: "yealink", model: "T46S", firmware: "66.86.0.15", sourceIp: "127.0.0.1" });
    } finally {
      rt.close();
    }
  });

  it("serves by network rule alone when the tenant allows loopback", async () => {
    const rt = s.runtime();
    await updateTenant(rt, "demo.example", TenantPatch.parse({ authMode: "credentials_or_network", allowedNetworks: ["127.0.0.0/8"] }));
    rt.close();
    try {
      const r = await curl([`${s.phoneUrl}/805ec0000104.cfg`]);
      expect(r.status).toBe(200);
    } finally {
      const rt2 = s.runtime();
      await updateTenant(rt2, "demo.example", TenantPatch.parse({ authMode: "credentials", allowedNetworks: [] }));
      rt2.close();
    }
    expect((await curl([`${s.phoneUrl}/805ec0000104.cfg`])).status).toBe(401);
  });
});
