import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExtension, deleteExtension, resetExtensionPassword } from "../../src/services/extensions.ts";
import { createTenant, updateTenant } from "../../src/services/tenants.ts";
import { createToken } from "../../src/services/tokens.ts";
import { attachKamailioDb, subscriberRows } from "../../src/pbx/kamailio-db-sync.ts";
import { digestHa1, extensionCredential } from "../../src/pbx/credentials.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { createTestDeps, dumpDb } from "../helpers/test-deps.ts";

describe("the pbx token role", () => {
  let c: AdminClient;
  let pbx: string;
  beforeAll(async () => {
    c = await startAdminClient({}, { roles: ["admin", "registrar"] });
    for (const t of ["a.example", "b.example"]) {
      await c.call("POST", "/tenants", { name: t, sipDomain: t, sipServerHost: `pbx.${t}` });
      await c.call("POST", `/tenants/${t}/extensions`, { number: "101", displayName: "Ana" });
    }
    pbx = (await c.withRuntime((rt) => createToken(rt, "pbx", "asterisk", ["a.example"]))).token;
  });
  afterAll(() => c.close());
  const as = (token: string, method: string, path: string) => fetch(`${c.api}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  it("reads the SIP credentials of its tenants, with HA1", async () => {
    const r = await as(pbx, "GET", "/pbx/tenants/a.example/extensions");
    expect(r.status).toBe(200);
    const body = await r.json();
    const e = body.extensions[0];
    expect(e).toMatchObject({ tenant: "a.example", domain: "a.example", number: "101", sipUser: "101", authUser: "101", enabled: true });
    expect(e.ha1).toBe(digestHa1("101", "a.example", e.password));
    expect((await as(pbx, "GET", "/pbx/tenants/a.example/extensions/101")).status).toBe(200);
  });

  it("is refused another tenant, every admin route and every write", async () => {
    const other = await as(pbx, "GET", "/pbx/tenants/b.example/extensions");
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toMatch(/a\.example only, not b\.example/);
    expect((await as(pbx, "GET", "/tenants/a.example/extensions")).status).toBe(403);
    expect((await as(pbx, "POST", "/tenants/a.example/extensions/101/reset-password")).status).toBe(403);
    expect((await as(pbx, "GET", "/pbx/webhooks")).status).toBe(403);
  });

  it("the registrar role stays write-only: it reads no credential", async () => {
    const r = await as(c.tokens.registrar!, "GET", "/pbx/tenants/a.example/extensions");
    expect(r.status).toBe(403);
  });

  it("refuses a pbx token without tenants, with an unknown tenant, and tenants on another role, changing nothing", async () => {
    await c.withRuntime(async (rt) => {
      const before = dumpDb(rt);
      await expect(createToken(rt, "pbx", "x")).rejects.toThrow(/needs at least one tenant/);
      await expect(createToken(rt, "pbx", "x", ["nope.example"])).rejects.toThrow(/no tenant named nope.example/);
      await expect(createToken(rt, "readonly", "x", ["a.example"])).rejects.toThrow(/only a pbx token takes --tenant/);
      expect(dumpDb(rt)).toBe(before);
    });
  });
});

describe("Kamailio subscriber table", () => {
  const dir = mkdtempSync(join(tmpdir(), "phonehome-subscriber-"));
  const deps = createTestDeps();
  afterAll(() => {
    deps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("follows create, rotation, tenant domain change and delete in the same transaction, with HA1 and no plaintext", async () => {
    await createTenant(deps, { name: "s.example", sipDomain: "s.example", sipServerHost: "pbx.s.example" } as never);
    await createExtension(deps, "s.example", { number: "201", displayName: "Bo" } as never);
    attachKamailioDb(deps.db, deps.secrets, join(dir, "k.db"));
    const cred = () => extensionCredential(deps, "s.example", "201");
    let rows = subscriberRows(deps.db);
    expect(rows).toEqual([{ id: expect.any(Number), username: "201", domain: "s.example", password: "", ha1: (await cred()).ha1, ha1b: (await cred()).ha1b, sip_user: "201" }]);
    const old = rows[0]!.ha1;
    await resetExtensionPassword(deps, "s.example", "201");
    rows = subscriberRows(deps.db);
    expect(rows[0]!.ha1).not.toBe(old);
    expect(rows[0]!.ha1).toBe(digestHa1("201", "s.example", (await cred()).password));
    await createExtension(deps, "s.example", { number: "202", displayName: "Cy" } as never);
    expect(subscriberRows(deps.db)).toHaveLength(2);
    await updateTenant(deps, "s.example", { sipDomain: "new.s.example" } as never);
    expect(subscriberRows(deps.db).map((r) => r.domain)).toEqual(["new.s.example", "new.s.example"]);
    await deleteExtension(deps, "s.example", "202");
    expect(subscriberRows(deps.db).map((r) => r.username)).toEqual(["201"]);
  });

  it("a refused change leaves the subscriber table as it was", async () => {
    const before = JSON.stringify(subscriberRows(deps.db));
    await expect(createExtension(deps, "s.example", { number: "201", displayName: "dup" } as never)).rejects.toThrow(/already exists/);
    expect(JSON.stringify(subscriberRows(deps.db))).toBe(before);
  });
});
