import { recordTenantChange } from "../pbx/changes.ts";
import { syncSubscribers } from "../pbx/kamailio-db.ts";
import { and, count, eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { devices, tenants } from "../db/schema.ts";
import { DEFAULT_FEATURE_CODES, type FeatureCodes, type FeatureName } from "../domain/feature-codes.ts";
import { loadFeatureCodes } from "./feature-codes.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChange, auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { TenantInput, TenantPatch } from "./schemas.ts";
import type { Tenant } from "../db/rows.ts";


function checkProxy(t: { outboundProxyHost: string | null; outboundProxyPort: number | null }): void {
  if (t.outboundProxyPort !== null && t.outboundProxyHost === null) {
    throw invalidInput("outboundProxyPort: set outboundProxyHost too, or neither");
  }
}

// One tenant name at a time: the existence check and the insert are one serializable transaction on
// PostgreSQL (the default), and the unique index on tenants.name refuses a second one on both.
export async function createTenant(deps: ServiceDeps, input: TenantInput): Promise<Tenant> {
  checkProxy(input);
  const name = input.name ?? input.sipDomain.toLowerCase();
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    if (first(await q.db.select({ id: q.t.tenants.id }).from(q.t.tenants).where(eq(q.t.tenants.name, name)).limit(1))) {
      throw conflict(`tenant ${name} already exists`);
    }
    const [row] = await q.db
      .insert(q.t.tenants)
      .values({ ...input, name, createdAt: now, updatedAt: now })
      .returning();
    await q.db.insert(q.t.featureCodes).values(Object.entries(DEFAULT_FEATURE_CODES).map(([n, code]) => ({ tenantId: row!.id, name: n, code })));
    await auditChangeIn(q, deps, { action: "tenant.create", target: `tenant:${name}`, tenantId: row!.id, after: row });
    return row!;
  });
}

export function listTenants(deps: ServiceDeps): Promise<Tenant[]> {
  return deps.data.read((q) => q.db.select().from(q.t.tenants).orderBy(q.t.tenants.name));
}

/** One tenant by name, or 404 `no tenant named ...`. */
export function readTenant(deps: ServiceDeps, name: string): Promise<Tenant> {
  return deps.data.read((q) => loadTenant(q, name));
}

/**
 * Synchronous form of readTenant, kept for the modules still on the synchronous handle (extensions,
 * devices, groups, key layouts, the request path, background passes) until they move.
 */
export function getTenant(deps: ServiceDeps, name: string): Tenant {
  const row = deps.db.select().from(tenants).where(eq(tenants.name, name)).get();
  if (!row) throw noTenant(name);
  return row;
}

/** getTenant for converted code, in a `data.read` or `data.write`. */
export async function loadTenant(q: Query, name: string): Promise<Tenant> {
  const row = first(await q.db.select().from(q.t.tenants).where(eq(q.t.tenants.name, name)).limit(1));
  if (!row) throw noTenant(name);
  return row;
}

const noTenant = (name: string) => notFound(`no tenant named ${name}`);

export function updateTenant(deps: ServiceDeps, name: string, patch: TenantPatch): Tenant {
  return writeTransaction(deps.db, (tx) => {
    const current = getTenant({ ...deps, db: tx }, name);
    const next = { ...current, ...stripUndefined(patch) };
    checkProxy(next);
    const row = tx
      .update(tenants)
      .set({ ...stripUndefined(patch), updatedAt: deps.clock().getTime() })
      .where(eq(tenants.id, current.id))
      .returning()
      .get();
    auditChange(tx, deps, { action: "tenant.update", target: `tenant:${name}`, tenantId: row.id, before: current, after: row });
    // The SIP domain is the digest realm: every credential of the tenant changes with it.
    if (row.sipDomain !== current.sipDomain || row.name !== current.name) recordTenantChange(tx, deps, row.id, "extension.changed");
    return row;
  });
}

export function deleteTenant(deps: ServiceDeps, name: string): void {
  writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, name);
    const n = tx.select({ n: count() }).from(devices).where(eq(devices.tenantId, t.id)).get()?.n ?? 0;
    if (n > 0) throw conflict(`tenant ${name} still has ${n} device(s); delete or move them first`);
    recordTenantChange(tx, deps, t.id, "extension.deleted");
    tx.delete(tenants).where(eq(tenants.id, t.id)).run();
    syncSubscribers(tx, deps.secrets, []);
    auditChange(tx, deps, { action: "tenant.delete", target: `tenant:${name}`, tenantId: t.id, before: t });
  });
}

/** A tenant's star codes, by tenant name (404 for an unknown one). */
export function readFeatureCodes(deps: ServiceDeps, name: string): Promise<FeatureCodes> {
  return deps.data.read(async (q) => loadFeatureCodes(q, (await loadTenant(q, name)).id));
}

// Reads the codes it replaces for the audit row: serializable on PostgreSQL (the default).
export function updateFeatureCodes(deps: ServiceDeps, name: string, patch: Partial<Record<FeatureName, string>>): Promise<FeatureCodes> {
  return deps.data.write(async (q) => {
    const t = await loadTenant(q, name);
    const before = await loadFeatureCodes(q, t.id);
    await auditChangeIn(q, deps, { action: "tenant.feature_codes", target: `tenant:${name}`, tenantId: t.id, before, after: { ...before, ...patch } });
    for (const [feature, code] of Object.entries(patch)) {
      await q.db
        .update(q.t.featureCodes)
        .set({ code })
        .where(and(eq(q.t.featureCodes.tenantId, t.id), eq(q.t.featureCodes.name, feature)));
    }
    return loadFeatureCodes(q, t.id);
  });
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
