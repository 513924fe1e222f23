import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { DEFAULT_FEATURE_CODES } from "../../src/domain/feature-codes.ts";
import { withActor } from "../../src/services/actor.ts";
import { maskSecrets } from "../../src/services/audit.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { dismissDiscovered, listDiscovered } from "../../src/services/discovery.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant, deleteTenant, listTenants, readFeatureCodes, readTenant, updateFeatureCodes, updateTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { expectRefusedByTrigger, refuseAudit } from "../helpers/ddl.ts";

/**
 * Tenants, their feature codes and the discovery inbox on the asynchronous handle
 * (docs/scale-out.md#conversion-order): the same tests on SQLite and PostgreSQL.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");
const ACME = TenantInput.parse({ sipDomain: "Acme.Example", sipServerHost: "pbx.acme.example" });

const rows = (data: Data) =>
  data.read(async (q) => ({
    tenants: await q.db.select().from(q.t.tenants),
    featureCodes: await q.db.select().from(q.t.featureCodes),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
  }));

describe.each(dataDialects(postgres))("tenants and feature codes on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
  });
  afterEach(async () => cleanup());

  it("creates a tenant named after its SIP domain, with the default feature codes and an audit row", async () => {
    const t = await withActor("cli", () => createTenant(deps, ACME));
    expect(t).toMatchObject({ name: "acme.example", sipDomain: "Acme.Example", createdAt: NOW.getTime() });
    expect(await readTenant(deps, "acme.example")).toEqual(t);
    expect(await readFeatureCodes(deps, "acme.example")).toEqual(DEFAULT_FEATURE_CODES);
    const { featureCodes, audit } = await rows(data);
    expect(featureCodes).toHaveLength(Object.keys(DEFAULT_FEATURE_CODES).length);
    expect(audit.map(({ actor, action, target, tenantId }) => ({ actor, action, target, tenantId }))).toEqual([
      { actor: "cli", action: "tenant.create", target: "tenant:acme.example", tenantId: t.id },
    ]);
  });

  it("lists tenants by name", async () => {
    await createTenant(deps, TenantInput.parse({ name: "zulu.example", sipDomain: "zulu.example", sipServerHost: "pbx.zulu.example" }));
    await createTenant(deps, ACME);
    expect((await listTenants(deps)).map((t) => t.name)).toEqual(["acme.example", "zulu.example"]);
  });

  it("refuses a second tenant of the same name with a 409, and writes nothing", async () => {
    await createTenant(deps, ACME);
    const before = await rows(data);
    await expect(createTenant(deps, ACME)).rejects.toMatchObject({ status: 409, message: "tenant acme.example already exists" });
    expect(await rows(data)).toEqual(before);
  });

  it("refuses an outbound proxy port without a host before it writes", async () => {
    await expect(createTenant(deps, { ...ACME, outboundProxyPort: 5070 })).rejects.toMatchObject({ status: 400, message: /outboundProxyPort: set outboundProxyHost too/ });
    expect(await rows(data)).toEqual({ tenants: [], featureCodes: [], audit: [] });
  });

  it("creates nothing when the last write of the creation fails: no tenant, no feature codes", async () => {
    await refuseAudit(data, "tenant.create");
    await expectRefusedByTrigger(createTenant(deps, ACME));
    expect(await rows(data)).toEqual({ tenants: [], featureCodes: [], audit: [] });
  });

  it("two creations of one tenant at once: one wins, the other is refused, one set of feature codes", async () => {
    const results = await Promise.allSettled([createTenant(deps, ACME), createTenant(deps, ACME)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const { tenants, featureCodes } = await rows(data);
    expect(tenants).toHaveLength(1);
    expect(featureCodes).toHaveLength(Object.keys(DEFAULT_FEATURE_CODES).length);
  });

  it("changes the feature codes named, records before and after, and returns the whole table", async () => {
    await createTenant(deps, ACME);
    const codes = await updateFeatureCodes(deps, "acme.example", { dnd_on: "*178", dnd_off: "*179" });
    expect(codes).toEqual({ ...DEFAULT_FEATURE_CODES, dnd_on: "*178", dnd_off: "*179" });
    expect(await readFeatureCodes(deps, "acme.example")).toEqual(codes);
    const audit = (await rows(data)).audit.find((a) => a.action === "tenant.feature_codes")!;
    // As every audit snapshot, with the secret-looking fields masked (require_pin).
    expect(audit.before).toEqual(maskSecrets(DEFAULT_FEATURE_CODES));
    expect(audit.after).toEqual(maskSecrets(codes));
  });

  it("changes no feature code when the audit row of the change fails", async () => {
    await createTenant(deps, ACME);
    await refuseAudit(data, "tenant.feature_codes");
    const before = await rows(data);
    await expectRefusedByTrigger(updateFeatureCodes(deps, "acme.example", { dnd_on: "*178" }));
    expect(await rows(data)).toEqual(before);
  });

  it("changes exactly the settings named, and records before and after", async () => {
    const created = await createTenant(deps, ACME);
    const row = await updateTenant(deps, "acme.example", { timeZone: "Europe/Lisbon", resyncMinutes: 61 });
    expect(row).toEqual({ ...created, timeZone: "Europe/Lisbon", resyncMinutes: 61, updatedAt: NOW.getTime() });
    expect(await readTenant(deps, "acme.example")).toEqual(row);
    const audit = (await rows(data)).audit.find((a) => a.action === "tenant.update")!;
    expect(audit.before).toMatchObject({ timeZone: created.timeZone });
    expect(audit.after).toMatchObject({ timeZone: "Europe/Lisbon", resyncMinutes: 61 });
  });

  it("refuses a proxy port without a host and leaves the tenant as it was", async () => {
    await createTenant(deps, ACME);
    const before = await rows(data);
    await expect(updateTenant(deps, "acme.example", { outboundProxyPort: 5070 })).rejects.toMatchObject({ status: 400, message: /outboundProxyPort/ });
    expect(await rows(data)).toEqual(before);
  });

  it("changes nothing when the audit row of a change fails", async () => {
    await createTenant(deps, ACME);
    await refuseAudit(data, "tenant.update");
    const before = await rows(data);
    await expectRefusedByTrigger(updateTenant(deps, "acme.example", { timeZone: "Europe/Lisbon" }));
    expect(await rows(data)).toEqual(before);
  });

  it("deletes a tenant without devices, with its feature codes, and records it", async () => {
    await createTenant(deps, ACME);
    await deleteTenant(deps, "acme.example");
    const after = await rows(data);
    expect(after.tenants).toEqual([]);
    expect(after.featureCodes).toEqual([]);
    expect(after.audit.map((a) => a.action)).toEqual(["tenant.create", "tenant.delete"]);
    await expect(deleteTenant(deps, "acme.example")).rejects.toMatchObject({ status: 404 });
  });

  it("keeps a tenant whose deletion fails at its last write", async () => {
    await createTenant(deps, ACME);
    await refuseAudit(data, "tenant.delete");
    const before = await rows(data);
    await expectRefusedByTrigger(deleteTenant(deps, "acme.example"));
    expect(await rows(data)).toEqual(before);
  });

  it("answers 404 naming an unknown tenant, for reads and writes", async () => {
    await expect(readTenant(deps, "nope.example")).rejects.toMatchObject({ status: 404, message: "no tenant named nope.example" });
    await expect(readFeatureCodes(deps, "nope.example")).rejects.toMatchObject({ status: 404 });
    await expect(updateFeatureCodes(deps, "nope.example", { dnd_on: "*178" })).rejects.toMatchObject({ status: 404 });
    expect((await rows(data)).audit).toEqual([]);
  });
});

describe.each(dataDialects(postgres))("the discovery inbox on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  const seen = (mac: string, lastSeenAt: number) => ({ mac, lastFile: `${mac}.cfg`, sourceIp: "127.0.0.1", transport: "http", firstSeenAt: lastSeenAt, lastSeenAt });

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    await data.write(async (q) => {
      await q.db.insert(q.t.discoveredDevices).values([seen("805ec0000001", 1000), seen("805ec0000002", 2000)]);
    });
  });
  afterEach(async () => cleanup());

  it("lists newest first; a dismissed phone only on request", async () => {
    expect((await listDiscovered(deps)).map((d) => d.mac)).toEqual(["805ec0000002", "805ec0000001"]);
    await dismissDiscovered(deps, "80:5E:C0:00:00:01");
    expect((await listDiscovered(deps)).map((d) => d.mac)).toEqual(["805ec0000002"]);
    const all = await listDiscovered(deps, true);
    expect(all.map((d) => [d.mac, d.dismissedAt])).toEqual([
      ["805ec0000002", null],
      ["805ec0000001", NOW.getTime()],
    ]);
  });

  it("refuses an unknown or malformed MAC and changes nothing", async () => {
    await expect(dismissDiscovered(deps, "805ec0000009")).rejects.toMatchObject({ status: 404, message: "no discovered device 805ec0000009" });
    await expect(dismissDiscovered(deps, "not-a-mac")).rejects.toMatchObject({ status: 400 });
    const open = await data.read((q) => q.db.select().from(q.t.discoveredDevices).where(eq(q.t.discoveredDevices.dismissedAt, NOW.getTime())));
    expect(open).toEqual([]);
  });
});
