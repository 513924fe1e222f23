import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

let s: DemoServer;

// Set straight in the database, as a row stored before the API refused them would be.
const HOSTILE = "Eve\u202Egnp.exe\u2066x\u2069\u0085\u009b";

beforeAll(async () => {
  s = await startDemoServer({ fetchLogFlushMs: 5, nonceTtlSeconds: 1 }, (rt) => {
    rt.db.$client.prepare("update extensions set display_name = ? where number = '101'").run(HOSTILE);
  });
});

afterAll(async () => s.close());

const phone = (mac: string) => s.demo.find((d) => d.mac === mac)!;
const md5 = (v: string) => createHash("md5").update(v).digest("hex");

function get(path: string, authorization?: string): Promise<{ status: number; www: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.phoneUrl}${path}`, { headers: authorization ? { authorization } : {} }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, www: String(res.headers["www-authenticate"] ?? "") }));
    });
    req.on("error", reject);
    req.end();
  });
}

function answer(nonce: string, path: string, user: string, password: string): string {
  const ha1 = md5(`${user}:phonehome:${password}`);
  const ha2 = md5(`GET:${path}`);
  const response = md5(`${ha1}:${nonce}:00000001:0a4f113b:auth:${ha2}`);
  return `Digest username="${user}", realm="phonehome", nonce="${nonce}", uri="${path}", qop=auth, nc=00000001, cnonce="0a4f113b", response="${response}", algorithm=MD5`;
}

describe("phone-facing edges", () => {
  it("does not serve a file name with a trailing slash", async () => {
    const d = phone("805ec0000101");
    const common = await curl([`${s.phoneUrl}/y000000000096.cfg`]);
    expect(common.status).toBe(200);
    expect((await curl([`${s.phoneUrl}/y000000000096.cfg/`])).status).toBe(404);
    const withSlash = await curl(["--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/805ec0000101.cfg/`]);
    expect(withSlash.status).toBe(404);
  });

  it("sends stale=true only when the password was right for the stale nonce", async () => {
    const d = phone("805ec0000101");
    const path = "/805ec0000101.cfg";
    const first = await get(path);
    const nonce = /nonce="([^"]+)"/.exec(first.www)![1]!;
    await new Promise((r) => setTimeout(r, 1_300)); // past nonceTtlSeconds
    const wrong = await get(path, answer(nonce, path, d.username, "not-the-password"));
    expect(wrong.status).toBe(401);
    expect(wrong.www).not.toMatch(/stale/i);
    const right = await get(path, answer(nonce, path, d.username, d.password));
    expect(right.status).toBe(401);
    expect(right.www).toMatch(/stale=true/);
    const fresh = /nonce="([^"]+)"/.exec(right.www)![1]!;
    expect((await get(path, answer(fresh, path, d.username, d.password))).status).toBe(200);
  });

  it("never sends C1 controls or bidi overrides to a phone, even from a row stored before the API refused them", async () => {
    for (const d of s.demo) {
      for (const file of d.files) {
        const r = await curl(["--digest", "-u", `${d.username}:${d.password}`, `${s.phoneUrl}/${file}`]);
        expect(r.status, `${d.mac} ${file}`).toBe(200);
        expect(r.body, `${d.mac} ${file}`).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
      }
    }
    const yealink = await curl(["--digest", "-u", `${phone("805ec0000101").username}:${phone("805ec0000101").password}`, `${s.phoneUrl}/805ec0000101.cfg`]);
    expect(yealink.body).toContain("Eve gnp.exe x");
  });
});
