import { sql, type SQL } from "drizzle-orm";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data, Query } from "../../src/db/data.ts";
import { databaseReadiness } from "../../src/http/health.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { openBootstrapWindowIn } from "../../src/provisioning/bootstrap.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * The readiness check's database half (`select 1`, migrations applied against the dialect's
 * journal) and the metrics' gauges read from the database, the same tests on SQLite and PostgreSQL.
 */
const postgres = usePostgres();
const NOW = new Date("2026-12-01T10:00:00Z");
const AT = NOW.getTime();

/** A raw statement in a test's own set-up: drizzle runs it as `run` on SQLite, `execute` on PostgreSQL. */
async function exec(q: Query, statement: SQL): Promise<void> {
  if (q.dialect === "postgres") await (q.db as unknown as NodePgDatabase).execute(statement);
  else await q.db.run(statement);
}

/** The value of one sample line of the Prometheus text, undefined when absent. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

async function seed(deps: ServiceDeps): Promise<void> {
  const tenant = await createTenant(deps, TenantInput.parse({ sipDomain: "m.example", sipServerHost: "pbx.m.example" }));
  const ext = await createExtension(deps, "m.example", ExtensionInput.parse({ number: "101", displayName: "One" }));
  await deps.data.write(async (q) => {
    const { t } = q;
    const device = (mac: string) => ({ mac, vendor: "yealink" as const, model: "T54W", tenantId: tenant.id, provUsername: mac, provPasswordEnc: "x", adminPasswordEnc: "x", createdAt: AT, updatedAt: AT });
    const [d1, d2] = await q.db.insert(t.devices).values([device("805ec0000101"), device("805ec0000102")]).returning();
    const seen = { lastFile: "x.cfg", sourceIp: "192.0.2.1", transport: "http", firstSeenAt: AT, lastSeenAt: AT };
    await q.db.insert(t.discoveredDevices).values([{ mac: "805ec0000201", ...seen }, { mac: "805ec0000202", ...seen, dismissedAt: AT }]);
    const binding = { tenantId: tenant.id, extensionId: ext.id, since: AT, lastEvent: "registered", lastEventSource: "system", lastEventAt: AT };
    await q.db.insert(t.registrations).values([
      { ...binding, bindingKey: "a", state: "registered" },
      { ...binding, bindingKey: "b", state: "registered" },
      { ...binding, bindingKey: "c", state: "expired" },
    ]);
    const request = { tenantId: tenant.id, extensionId: ext.id, extension: "101", mode: "remove" as const, actor: "cli", createdAt: AT, deadlineAt: AT + 60_000 };
    const [pending] = await q.db.insert(t.forceUnregisters).values([{ ...request, state: "pending" }, { ...request, state: "confirmed" }]).returning();
    const phone = { requestId: pending!.id, state: "pending" as const, files: [] };
    await q.db.insert(t.forceUnregisterDevices).values([{ ...phone, deviceId: d1!.id, mac: d1!.mac }, { ...phone, deviceId: d2!.id, mac: d2!.mac, notify: "ok" }]);
    const batch = { createdAt: AT, actor: "cli", created: 0, updated: 0, unchanged: 0 };
    await q.db.insert(t.importBatches).values([{ ...batch, source: "csv", rows: 10 }, { ...batch, source: "csv", rows: 5 }, { ...batch, source: "claim", rows: 1 }]);
    const window = { tenantId: tenant.id, sourceIp: "192.0.2.1", openedBy: "cli", reason: "manual" as const };
    await openBootstrapWindowIn(q, { ...window, deviceId: d1!.id, now: AT, seconds: 600 });
    await openBootstrapWindowIn(q, { ...window, deviceId: d2!.id, now: AT - 3_600_000, seconds: 600 });
  });
}

describe.each(dataDialects(postgres))("readiness and metrics on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    deps = convertedDeps(data, () => NOW);
  });
  afterEach(async () => cleanup());

  it("is ready when the database answers and holds the migrations of its dialect's journal, not when it holds one more", async () => {
    expect(await databaseReadiness(data)).toEqual({ database: true, migrations: true });
    const table = data.dialect === "postgres" ? sql`drizzle.__drizzle_migrations` : sql`__drizzle_migrations`;
    await data.write((q) => exec(q, sql`insert into ${table} (hash, created_at) values ('from-a-newer-version', ${AT})`));
    expect(await databaseReadiness(data)).toEqual({ database: true, migrations: false });
  });

  it("is not ready on a database it cannot reach", async () => {
    const other = await dialect.open();
    await other.cleanup();
    expect(await databaseReadiness(other.data)).toEqual({ database: false, migrations: false });
  });

  it("reads every gauge from the database at each scrape", async () => {
    await seed(deps);
    const metrics = createMetrics(() => data, () => AT);
    const text = await metrics.registry.metrics();
    expect({
      inbox: sample(text, "phonehome_discovery_inbox_size"),
      registered: sample(text, 'phonehome_registrations{state="registered"}'),
      expired: sample(text, 'phonehome_registrations{state="expired"}'),
      pending: sample(text, "phonehome_force_unregisters_pending"),
      notSent: sample(text, 'phonehome_notify_total{outcome="none"}'),
      notified: sample(text, 'phonehome_notify_total{outcome="ok"}'),
      csvRows: sample(text, 'phonehome_import_rows_total{source="csv"}'),
      claimRows: sample(text, 'phonehome_import_rows_total{source="claim"}'),
      windows: sample(text, "phonehome_bootstrap_windows_open"),
    }).toEqual({ inbox: 1, registered: 2, expired: 1, pending: 1, notSent: 1, notified: 1, csvRows: 15, claimRows: 1, windows: 1 });
    await data.write((q) => q.db.update(q.t.discoveredDevices).set({ dismissedAt: AT }));
    expect(sample(await metrics.registry.metrics(), "phonehome_discovery_inbox_size")).toBe(0);
  });
});
