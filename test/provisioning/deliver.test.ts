import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEMO_TENANT, loadDemo } from "../../src/demo.ts";
import { checkFileName, fetchRecord } from "../../src/provisioning/deliver.ts";
import { previewFile } from "../../src/provisioning/preview.ts";
import { provision, type Authenticator } from "../../src/provisioning/provision.ts";
import { deviceDrift } from "../../src/registrations/drift.ts";
import { getDevice } from "../../src/services/devices.ts";
import { updateTenant } from "../../src/services/tenants.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

let deps: TestDeps;
let passwords: Map<string, string>;
beforeEach(async () => {
  deps = createTestDeps({ now: new Date("2026-06-01T12:00:00Z") });
  passwords = new Map((await loadDemo(deps)).map((d) => [d.mac, d.password]));
});
afterEach(() => deps.close());

const GS_MAC = "c074ad000103";
const GS_FILE = `cfg${GS_MAC}.xml`;
const knows = (password: string): Authenticator => ({ method: "digest", check: (_u, p) => p === password });

async function fetchOver(transport: "http" | "https") {
  const req = { transport, fileName: GS_FILE, remoteAddress: "198.51.100.7" } as const;
  const result = await provision(req, deps, knows(passwords.get(GS_MAC)!));
  if (result.outcome !== "served") throw new Error(`expected served, got ${result.outcome}`);
  deps.recorder.record(fetchRecord({ at: deps.clock().getTime(), req, outcome: "served", status: 200, result }));
  deps.recorder.flush();
  return result;
}

describe("deliver: encrypted Grandstream files", () => {
  beforeEach(() => updateTenant(deps, DEMO_TENANT, { configEncryption: true }));

  it("keep their ETag while the configuration stays the same, so a phone gets its 304", async () => {
    const first = await fetchOver("http");
    const second = await fetchOver("http");
    expect(first.encrypted).toBe(true);
    expect(first.body.subarray(0, 8).toString("latin1")).toBe("Salted__");
    expect(second.etag).toBe(first.etag);
    expect(second.body.equals(first.body)).toBe(true);
  });

  it("show no drift after the phone fetched them, over plain HTTP or HTTPS", async () => {
    await fetchOver("http");
    expect((await deviceDrift(deps, (await getDevice(deps, GS_MAC)))).state).toBe("current");
    await fetchOver("https");
    expect((await deviceDrift(deps, (await getDevice(deps, GS_MAC)))).state).toBe("current");
  });

  it("record the hash of the configuration, the one the preview shows, whichever transport carried it", async () => {
    const http = await fetchOver("http");
    const https = await fetchOver("https");
    expect(https.encrypted).toBe(false);
    expect(http.contentHash).toBe(https.contentHash);
    expect(http.etag).not.toBe(https.etag);
    expect((await previewFile(deps, (await getDevice(deps, GS_MAC)), GS_FILE)).contentHash).toBe(http.contentHash);
  });

  it("show drift once the configuration changes", async () => {
    await fetchOver("http");
    await updateTenant(deps, DEMO_TENANT, { resyncMinutes: 77 });
    expect((await deviceDrift(deps, (await getDevice(deps, GS_MAC)))).state).toBe("drift");
  });
});

describe("the file-name check every transport applies", () => {
  it.each(["cfg.xml", "805ec0000101.cfg", "y000000000000.boot", "0004f2000102-phonehome.cfg"])("accepts %s", (name) => {
    expect(checkFileName(name)).toBe(name);
  });
  it.each(["", "../etc/passwd", "/etc/passwd", "a/b", "..\\x", ".hidden", "x\0y", "x y", "x".repeat(129)])("refuses %j", (name) => {
    expect(checkFileName(name)).toBeNull();
  });
});
