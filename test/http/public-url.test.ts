import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

// No --public-url: phones are told the URL their own request used.
let s: DemoServer;
beforeAll(async () => {
  s = await startDemoServer({ publicUrl: undefined, fetchLogFlushMs: 5 });
});
afterAll(async () => s.close());

/** Every `name = value` of a phone file whose value names phonehome's host, with event secrets masked. */
function urlLines(body: string): string {
  const pairs = /([\w.]+)(?:="|">|\s*=\s*)([^"<\r\n]*(?:prov\.example\.net|127\.0\.0\.1|localhost)[^"<\r\n]*)/g;
  return [...body.matchAll(pairs)]
    .map((m) => `${m[1]} = ${m[2]!.replace(/\/events\/([0-9a-f]{12})\/[A-Za-z0-9]+/g, "/events/$1/<secret>")}`)
    .join("\n");
}

async function fetchAs(host: string | null, file: string, extra: string[] = []) {
  const d = s.demo.find((x) => x.files.includes(file))!;
  const hostArgs = host === null ? [] : ["-H", `Host: ${host}`];
  return curl(["--digest", "-u", `${d.username}:${d.password}`, ...hostArgs, ...extra, `${s.phoneUrl}/${file}`]);
}

describe("provisioning URL derived from the phone's request", () => {
  it.each(["yealink", "polycom", "grandstream"])("tells a %s phone the host it called (golden)", async (vendor) => {
    const d = s.demo.find((x) => x.vendor === vendor)!;
    const parts: string[] = [];
    for (const file of d.files) {
      const r = await fetchAs("prov.example.net:8080", file);
      expect(r.status, file).toBe(200);
      expect(r.body).not.toContain("127.0.0.1");
      expect(r.body).not.toContain("localhost");
      const lines = urlLines(r.body).replaceAll(d.mac, "<mac>");
      if (lines) parts.push(`## ${file.replace(d.mac, "<mac>")}\n${lines}`);
    }
    await expect(parts.join("\n") + "\n").toMatchFileSnapshot(`../golden/public-url/${vendor}.txt`);
  });

  it("uses the Host curl sends by default: the address a loopback phone reached", async () => {
    const d = s.demo.find((x) => x.vendor === "yealink")!;
    const r = await fetchAs(null, `${d.mac}.cfg`);
    expect(r.body).toContain(`static.auto_provision.server.url = http://127.0.0.1:${s.server.httpPort}/`);
  });

  it.each(["evil.example.net\tx", "a b", "evil@prov.example.net", "prov.example.net/../../x", "x\"y", "prov.example.net:99999", "%0d%0aaccount.1.password=x"])(
    "ignores the hostile Host header %j and falls back to the default URL",
    async (host) => {
      const d = s.demo.find((x) => x.vendor === "yealink")!;
      const r = await fetchAs(host, `${d.mac}.cfg`);
      // Node refuses some headers outright (400); otherwise the default is served, with nothing of the header.
      if (r.status === 400) return;
      expect(r.status).toBe(200);
      expect(r.body).toContain(`static.auto_provision.server.url = ${s.config.publicUrl}`);
      expect(r.body).not.toContain("evil");
      expect(r.body).not.toMatch(/account\.1\.password=x/);
    },
  );

  it("refuses a loopback URL to a phone behind a proxy (503, logged) and serves once the proxy passes the real host", async () => {
    const d = s.demo.find((x) => x.vendor === "yealink")!;
    const refused = await fetchAs(`127.0.0.1:${s.server.httpPort}`, `${d.mac}.cfg`, ["-H", "X-Forwarded-For: 198.51.100.7"]);
    expect(refused.status).toBe(503);
    expect(refused.body).not.toContain("auto_provision");
    const ok = await fetchAs("prov.example.net", `${d.mac}.cfg`, ["-H", "X-Forwarded-For: 198.51.100.7"]);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("static.auto_provision.server.url = http://prov.example.net/");
  });

  it("keeps --public-url over the Host header", async () => {
    const other = await startDemoServer({ publicUrl: "https://phones.example.com/prov/" });
    try {
      const d = other.demo.find((x) => x.vendor === "yealink")!;
      const r = await curl(["--digest", "-u", `${d.username}:${d.password}`, "-H", "Host: prov.example.net", `${other.phoneUrl}/${d.mac}.cfg`]);
      expect(r.body).toContain("static.auto_provision.server.url = https://phones.example.com/prov/");
    } finally {
      await other.close();
    }
  });
});
