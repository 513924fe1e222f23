import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { deviceConfigKey } from "../../src/provisioning/config-encryption.ts";
import { withActor } from "../../src/services/actor.ts";
import { openBootstrapFromLastContact } from "../../src/services/bootstrap-windows.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The admin side of zero-touch windows (`POST /devices/{mac}/bootstrap`) and a device's config
 * password (`GET /devices/{mac}/config-key`) on the asynchronous handle, the same tests on SQLite
 * and PostgreSQL. A clock that fails midway must leave the tables as they were.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");
const MAC = "c074ad000103";

async function seed(data: Data): Promise<{ tenantId: number; deviceId: number }> {
  const at = NOW.getTime();
  return data.write(async (q) => {
    const [t] = await q.db
      .insert(q.t.tenants)
      .values({ name: "zt.example", sipDomain: "zt.example", sipServerHost: "pbx.zt.example", zeroTouchWindowSeconds: 300, createdAt: at, updatedAt: at })
      .returning();
    const [d] = await q.db
      .insert(q.t.devices)
      .values({ mac: MAC, vendor: "grandstream", model: "GRP2614", tenantId: t!.id, provUsername: MAC, provPasswordEnc: "x", adminPasswordEnc: "x", createdAt: at, updatedAt: at })
      .returning();
    return { tenantId: t!.id, deviceId: d!.id };
  });
}

const fetched = (data: Data, deviceId: number, transport: string, sourceIp: string, at: number) =>
  data.write((q) => q.db.insert(q.t.fetchLog).values({ at, transport, sourceIp, fileName: `cfg${MAC}.xml`, mac: MAC, deviceId, outcome: "unauthorized", status: 401 }));

const snapshot = (data: Data) =>
  data.read(async (q) => ({
    windows: await q.db.select().from(q.t.bootstrapWindows).orderBy(asc(q.t.bootstrapWindows.deviceId)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
    keys: await q.db.select().from(q.t.deviceConfigKeys).orderBy(asc(q.t.deviceConfigKeys.deviceId)),
  }));

function failingClock(n: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return NOW;
  };
}

describe.each(dataDialects(postgres))("bootstrap windows and config keys on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let ids: { tenantId: number; deviceId: number };

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
    ids = await seed(data);
  });
  afterEach(async () => cleanup());

  it("opens a window bound to the last HTTP(S) address, audited, and reopens it reset", async () => {
    const at = NOW.getTime();
    await fetched(data, ids.deviceId, "http", "192.0.2.10", at - 60_000);
    await fetched(data, ids.deviceId, "https", "192.0.2.11", at - 30_000);
    await fetched(data, ids.deviceId, "tftp", "192.0.2.12", at - 10_000);
    const view = await withActor("token:tech", () => openBootstrapFromLastContact(deps, "C0:74:AD:00:01:03"));
    expect(view).toEqual({ mac: MAC, sourceIp: "192.0.2.11", expiresAt: new Date(at + 300_000).toISOString() });
    await data.write((q) => q.db.update(q.t.bootstrapWindows).set({ filesServed: 2, closedAt: at, closedReason: "delivered" }));
    await openBootstrapFromLastContact(deps, MAC);
    const s = await snapshot(data);
    expect(s.windows).toEqual([
      { deviceId: ids.deviceId, tenantId: ids.tenantId, sourceIp: "192.0.2.11", openedAt: at, expiresAt: at + 300_000, openedBy: "system", reason: "manual", filesServed: 0, closedAt: null, closedReason: null },
    ]);
    expect(s.audit.map(({ actor, action, target, mac, after }) => ({ actor, action, target, mac, after }))).toEqual([
      { actor: "token:tech", action: "device.bootstrap_open", target: `device:${MAC}`, mac: MAC, after: { sourceIp: "192.0.2.11", seconds: 300 } },
      { actor: "system", action: "device.bootstrap_open", target: `device:${MAC}`, mac: MAC, after: { sourceIp: "192.0.2.11", seconds: 300 } },
    ]);
  });

  it("refuses an unknown device, a phone that never called in over HTTP and a tenant with zeroTouch off, writing nothing", async () => {
    await fetched(data, ids.deviceId, "tftp", "192.0.2.12", NOW.getTime());
    const before = await snapshot(data);
    await expect(openBootstrapFromLastContact(deps, "c074ad0000ff")).rejects.toMatchObject({ status: 404, message: "no device c074ad0000ff" });
    await expect(openBootstrapFromLastContact(deps, MAC)).rejects.toMatchObject({ status: 409, message: `${MAC} has not called in over HTTP yet; power it on, let it ask for its file once, then open the window` });
    await data.write((q) => q.db.update(q.t.tenants).set({ zeroTouch: false }).where(eq(q.t.tenants.id, ids.tenantId)));
    await expect(openBootstrapFromLastContact(deps, MAC)).rejects.toMatchObject({ status: 409, message: /^tenant zt\.example has zeroTouch off/ });
    expect(await snapshot(data)).toEqual(before);
  });

  it("keeps the window and its audit row all or nothing", async () => {
    await fetched(data, ids.deviceId, "http", "192.0.2.10", NOW.getTime());
    const before = await snapshot(data);
    // The clock is read before the transaction, then for the audit row, after the window is written.
    await expect(openBootstrapFromLastContact({ ...deps, clock: failingClock(2) }, MAC)).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
  });

  it("gives two openings at once one window, each audited", async () => {
    await fetched(data, ids.deviceId, "http", "192.0.2.10", NOW.getTime());
    const results = await Promise.all([openBootstrapFromLastContact(deps, MAC), openBootstrapFromLastContact(deps, MAC)]);
    expect(results[0]).toEqual(results[1]);
    const s = await snapshot(data);
    expect(s.windows).toHaveLength(1);
    expect(s.audit.map((a) => a.action)).toEqual(["device.bootstrap_open", "device.bootstrap_open"]);
  });

  it("creates a device's config password once, also when two requests ask at once", async () => {
    const [a, b] = await Promise.all([deviceConfigKey(deps, ids.deviceId), deviceConfigKey(deps, ids.deviceId)]);
    expect(a).toMatch(/^\S{32}$/);
    expect(b).toBe(a);
    expect(await deviceConfigKey(deps, ids.deviceId)).toBe(a);
    const s = await snapshot(data);
    expect(s.keys).toHaveLength(1);
    expect(deps.secrets.open(s.keys[0]!.keyEnc)).toBe(a);
  });
});
