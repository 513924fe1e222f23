import { describe, expect, it } from "vitest";
import { chooseBaseUrl, isLocalOnlyUrl, isLoopbackAddress, requestBaseUrl } from "../../src/provisioning/base-url.ts";
import { provision } from "../../src/provisioning/provision.ts";
import { createTestDeps } from "../helpers/test-deps.ts";
import { loadDemo } from "../../src/demo.ts";

describe("requestBaseUrl", () => {
  it.each([
    ["prov.example.net:8080", "http", "http://prov.example.net:8080/"],
    ["PROV.Example.NET", "http", "http://prov.example.net/"],
    ["192.0.2.10:8080", "http", "http://192.0.2.10:8080/"],
    ["[2001:db8::1]:8443", "https", "https://[2001:db8::1]:8443/"],
    ["prov.example.net:443", "https", "https://prov.example.net/"],
  ] as const)("derives %s over %s", (host, scheme, url) => {
    expect(requestBaseUrl(scheme, host)).toBe(url);
  });

  it.each([
    "", "a b", "evil@prov.example.net", "prov.example.net/x", "prov.example.net:99999", "prov.example.net:0",
    "\"q\"", "prov.example.net\r\nx", "%0d%0a", "[not:an:ip]", "-bad.example", "a..b", "999.1.1.1", "prov_example.net",
    `${"a".repeat(64)}.example`, "prov.example.net:80:80", "[::1", "prov.example.net?x=1", "prov.example.net#f",
  ])("refuses the Host header %j", (host) => {
    expect(requestBaseUrl("http", host)).toBeNull();
  });
});

describe("loopback", () => {
  it("knows loopback addresses and local-only URLs", () => {
    expect(isLoopbackAddress("127.0.0.1")).toBe(true);
    expect(isLoopbackAddress("::ffff:127.0.0.5")).toBe(true);
    expect(isLoopbackAddress("::1")).toBe(true);
    expect(isLoopbackAddress("10.0.0.5")).toBe(false);
    for (const u of ["http://localhost:8080/", "http://app.localhost/", "http://127.0.0.1/", "http://[::1]:8080/", "http://0.0.0.0:8080/", "http://[::]/"]) {
      expect(isLocalOnlyUrl(u), u).toBe(true);
    }
    for (const u of ["http://prov.example.net/", "http://10.0.0.1:8080/", "https://[2001:db8::1]/"]) expect(isLocalOnlyUrl(u), u).toBe(false);
  });

  it("applies tenant > configured > request > default, and refuses local-only URLs to remote phones", () => {
    const base = { tenantUrl: null, serverUrl: "http://localhost:8080/", serverUrlConfigured: false, requestUrl: "http://prov.example.net:8080/", phoneIsLocal: false };
    expect(chooseBaseUrl(base)).toEqual({ ok: true, url: "http://prov.example.net:8080/", source: "request" });
    expect(chooseBaseUrl({ ...base, tenantUrl: "https://t.example.net/p" })).toEqual({ ok: true, url: "https://t.example.net/p/", source: "tenant" });
    expect(chooseBaseUrl({ ...base, serverUrl: "http://pub.example.net/", serverUrlConfigured: true }).source).toBe("configured");
    expect(chooseBaseUrl({ ...base, requestUrl: null })).toEqual({ ok: false, url: "http://localhost:8080/", source: "default" });
    expect(chooseBaseUrl({ ...base, requestUrl: "http://127.0.0.1:8080/" }).ok).toBe(false);
    expect(chooseBaseUrl({ ...base, requestUrl: null, phoneIsLocal: true }).ok).toBe(true);
    // An operator's loopback URL is no more reachable than the default.
    expect(chooseBaseUrl({ ...base, serverUrl: "http://127.0.0.1:8080/", serverUrlConfigured: true }).ok).toBe(false);
  });
});

describe("pipeline", () => {
  it("serves a remote phone nothing when the only URL at hand is loopback, over TFTP or HTTP without a Host", async () => {
    const deps = { ...createTestDeps({ publicUrl: "http://localhost:8080/" }), publicUrlConfigured: false };
    try {
      const yealink = (await loadDemo(deps)).find((d) => d.vendor === "yealink")!;
      const file = `${yealink.mac}.cfg`;
      const tftp = await provision({ transport: "tftp", fileName: file, remoteAddress: "10.0.0.5" }, deps, { method: "trusted_network" });
      expect(tftp).toMatchObject({ outcome: "unreachable_url", url: "http://localhost:8080/" });
      const local = await provision({ transport: "tftp", fileName: file, remoteAddress: "127.0.0.1" }, deps, { method: "trusted_network" });
      expect(local.outcome).toBe("served");
      const derived = await provision({ transport: "tftp", fileName: file, remoteAddress: "10.0.0.5", requestUrl: "http://10.0.0.1:8080/" }, deps, { method: "trusted_network" });
      expect(derived.outcome).toBe("served");
      expect(derived.outcome === "served" && derived.body.toString()).toContain("static.auto_provision.server.url = http://10.0.0.1:8080/");
    } finally {
      deps.close();
    }
  });
});
