import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { provision, type Authenticator } from "../../src/provisioning/provision.ts";
import { TenantPatch } from "../../src/services/schemas.ts";
import { updateTenant } from "../../src/services/tenants.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";

let deps: TestDeps;
let passwords: Map<string, string>;

beforeEach(async () => {
  deps = createTestDeps({ now: new Date("2026-06-01T12:00:00Z") });
  passwords = new Map((await loadDemo(deps)).map((d) => [d.mac, d.password]));
});
afterEach(() => deps.close());

const knows = (password: string): Authenticator => ({ method: "digest", check: (_u, p) => p === password });
const req = (fileName: string, remoteAddress = "198.51.100.7", userAgent?: string) => ({ transport: "http" as const, fileName, remoteAddress, userAgent });

describe("provision", () => {
  it("serves a device file to its own credentials and names the method", async () => {
    const r = await provision(req("cfgc074ad000103.xml"), deps, knows(passwords.get("c074ad000103")!));
    expect(r.outcome).toBe("served");
    if (r.outcome === "served") {
      expect(r.authMethod).toBe("digest");
      expect(r.body.toString()).toContain("<mac>c074ad000103</mac>");
      expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("answers unknown MACs, wrong credentials and missing credentials alike", async () => {
    expect(await provision(req("cfgc074ad999999.xml"), deps, knows("x"))).toMatchObject({ outcome: "unauthorized", device: null, credentialsFailed: true });
    const wrong = await provision(req("cfgc074ad000103.xml"), deps, knows("x"));
    expect(wrong.outcome).toBe("unauthorized");
    expect((await provision(req("cfgc074ad000103.xml"), deps, null)).outcome).toBe("unauthorized");
  });

  it("does not serve a MAC's file under another vendor's file name", async () => {
    // 805ec0000101 is a Yealink; the Grandstream name for it must not open its config.
    const r = await provision(req("cfg805ec0000101.xml"), deps, knows(passwords.get("805ec0000101")!));
    expect(r.outcome).toBe("unauthorized");
  });

  it("serves common files to anyone and unknown names to no one", async () => {
    expect((await provision(req("cfg.xml"), deps, null)).outcome).toBe("served");
    expect((await provision(req("y000000000096.cfg"), deps, null)).outcome).toBe("served");
    expect((await provision(req("passwd"), deps, null)).outcome).toBe("not_found");
  });

  it("applies each tenant auth mode", async () => {
    const mode = (authMode: string, allowedNetworks: string[]) =>
      updateTenant(deps, "demo.example", TenantPatch.parse({ authMode, allowedNetworks }));
    const good = knows(passwords.get("805ec0000104")!);
    const file = "805ec0000104.cfg";
    await mode("network", ["198.51.100.0/24"]);
    expect((await provision(req(file), deps, null)).outcome).toBe("served");
    expect((await provision(req(file, "203.0.113.1"), deps, good)).outcome).toBe("unauthorized");
    await mode("credentials_and_network", ["198.51.100.0/24"]);
    expect((await provision(req(file), deps, null)).outcome).toBe("unauthorized");
    expect((await provision(req(file, "203.0.113.1"), deps, good)).outcome).toBe("unauthorized");
    expect((await provision(req(file), deps, good)).outcome).toBe("served");
    await mode("credentials_or_network", ["::ffff:198.51.100.0/120", "198.51.100.0/24"]);
    expect((await provision(req(file, "::ffff:198.51.100.9"), deps, null)).outcome).toBe("served");
    expect((await provision(req(file, "203.0.113.1"), deps, good)).outcome).toBe("served");
  });
});
