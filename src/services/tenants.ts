import { recordTenantChange } from "../pbx/changes.ts";
import { syncSubscribers } from "../pbx/kamailio-db.ts";
import { and, count, eq } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { devices, featureCodes, tenants } from "../db/schema.ts";
import { DEFAULT_FEATURE_CODES, type FeatureCodes, type FeatureName } from "../domain/feature-codes.ts";
import { getFeatureCodes } from "./feature-codes.ts";
import { conflict, invalidInput, notFound } from "../errors.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import type { TenantInput, TenantPatch } from "./schemas.ts";
import type { Tenant } from "../db/rows.ts";


function checkProxy(t: { outboundProxyHost: string | null; outboundProxyPort: number | null }): void {
  if (t.outboundProxyPort !== null && t.outboundProxyHost === null) {
    throw invalidInput("outboundProxyPort: set outboundProxyHost too, or neither");
  }
}

export function createTenant(deps: ServiceDeps, input: TenantInput): Tenant {
  checkProxy(input);
  const name = input.name ?? input.sipDomain.toLowerCase();
  const now = deps.clock().getTime();
  return writeTransaction(deps.db, (tx) => {
    if (tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.name, name)).get()) {
      throw conflict(`tenant ${name} already exists`);
    }
    const row = tx
      .insert(tenants)
      .values({ ...input, name, createdAt: now, updatedAt: now })
      .returning()
      .get();
    tx.insert(featureCodes)
      .values(Object.entries(DEFAULT_FEATURE_CODES).map(([n, code]) => ({ tenantId: row.id, name: n, code })))
      .run();
    auditChange(tx, deps, { action: "tenant.create", target: `tenant:${name}`, tenantId: row.id, after: row });
    return row;
  });
}

export function listTenants(deps: ServiceDeps): Tenant[] {
  return deps.db.select().from(tenants).orderBy(tenants.name).all();
}

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

export function updateFeatureCodes(deps: ServiceDeps, name: string, patch: Partial<Record<FeatureName, string>>): FeatureCodes {
  writeTransaction(deps.db, (tx) => {
    const t = getTenant({ ...deps, db: tx }, name);
    const before = getFeatureCodes({ ...deps, db: tx }, t.id);
    auditChange(tx, deps, { action: "tenant.feature_codes", target: `tenant:${name}`, tenantId: t.id, before, after: { ...before, ...patch } });
    for (const [feature, code] of Object.entries(patch)) {
      tx.update(featureCodes)
        .set({ code })
        .where(and(eq(featureCodes.tenantId, t.id), eq(featureCodes.name, feature)))
        .run();
    }
  });
  return getFeatureCodes(deps, getTenant(deps, name).id);
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
