import { and, asc, desc, eq, sql } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { notFound } from "../errors.ts";
import { effectiveState } from "../registrations/state.ts";
import type { ServiceDeps } from "../services/deps.ts";

/**
 * Onboarding status of an import or claim batch, from the fetch log: which phones fetched their
 * config since the batch, which called in but were refused, which never called in; and, from the
 * registration tracking (src/registrations/), which are registered now.
 */
export interface BatchSummary {
  readonly id: number;
  readonly createdAt: number;
  readonly actor: string;
  readonly source: "csv" | "claim" | "extensions";
  readonly fileName: string | null;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

export type OnboardingState = "fetched" | "refused" | "never";
export const ONBOARDING_STATES: readonly OnboardingState[] = ["fetched", "refused", "never"];
/** Values of the status filter: an onboarding state, or `registered` (registered now, any state). */
export const STATUS_FILTERS: readonly (OnboardingState | "registered")[] = [...ONBOARDING_STATES, "registered"];

export interface BatchDeviceStatus {
  readonly mac: string;
  readonly row: number;
  readonly action: string;
  readonly state: OnboardingState;
  /** First successful config fetch since the batch. */
  readonly firstFetchAt: number | null;
  /** Last request of any outcome since the batch. */
  readonly lastRequestAt: number | null;
  /** Registered now: one of its bindings is `registered` and not past its expiry (as `GET /devices/{mac}/registration`). */
  readonly registered: boolean;
}

export function listBatches(deps: ServiceDeps, limit = 100): Promise<BatchSummary[]> {
  return deps.data.read((q) => q.db.select().from(q.t.importBatches).orderBy(desc(q.t.importBatches.id)).limit(limit));
}

async function findBatch(q: Query, id: number): Promise<BatchSummary> {
  const row = Number.isSafeInteger(id) ? first(await q.db.select().from(q.t.importBatches).where(eq(q.t.importBatches.id, id)).limit(1)) : undefined;
  if (!row) throw notFound(`no import batch ${String(id).slice(0, 20)}`);
  return row;
}

export function getBatch(deps: ServiceDeps, id: number): Promise<BatchSummary> {
  return deps.data.read((q) => findBatch(q, id));
}

type MemberRow = Omit<BatchDeviceStatus, "state" | "registered"> & { deviceId: number };

// fetch_log is indexed on (mac, at): both subqueries are index range scans. min and max of an
// integer column are bigint on PostgreSQL, hence mapWith(Number).
async function batchMembers(q: Query, batchId: number): Promise<MemberRow[]> {
  const { importBatchDevices: m, importBatches: b, fetchLog: f } = q.t;
  return q.db
    .select({
      deviceId: m.deviceId,
      mac: m.mac,
      row: m.row,
      action: m.action,
      firstFetchAt: sql<number | null>`(select min(${f.at}) from ${f} where ${f.mac} = ${m.mac} and ${f.at} >= ${b.createdAt} and ${f.deviceId} = ${m.deviceId}
        and ${f.outcome} in ('served', 'not_modified'))`.mapWith(Number),
      lastRequestAt: sql<number | null>`(select max(coalesce(${f.lastAt}, ${f.at})) from ${f} where ${f.mac} = ${m.mac} and ${f.at} >= ${b.createdAt})`.mapWith(Number),
    })
    .from(m)
    .innerJoin(b, eq(b.id, m.batchId))
    .where(eq(m.batchId, batchId))
    .orderBy(asc(m.row));
}

/**
 * Ids of the batch's devices registered now. One query for the whole batch (a batch may hold
 * 100,000 phones); "registered now" is the registrations module's own `effectiveState`.
 */
async function registeredDeviceIds(q: Query, batchId: number, now: number): Promise<Set<number>> {
  const { registrations: r, importBatchDevices: m } = q.t;
  const rows = await q.db
    .select({ r })
    .from(r)
    .innerJoin(m, eq(m.deviceId, r.deviceId))
    .where(and(eq(m.batchId, batchId), eq(r.state, "registered")));
  return new Set(rows.filter(({ r: reg }) => effectiveState(reg, now) === "registered").map(({ r: reg }) => reg.deviceId!));
}

export async function batchStatus(deps: ServiceDeps, id: number) {
  const now = deps.clock().getTime();
  const { batch, rows, registered } = await deps.data.read(async (q) => ({
    batch: await findBatch(q, id),
    rows: await batchMembers(q, id),
    registered: await registeredDeviceIds(q, id, now),
  }));
  const devices: BatchDeviceStatus[] = rows.map(({ deviceId, ...r }) => ({
    ...r,
    state: r.firstFetchAt !== null ? "fetched" : r.lastRequestAt !== null ? "refused" : "never",
    registered: registered.has(deviceId),
  }));
  const summary = Object.fromEntries(ONBOARDING_STATES.map((s) => [s, devices.filter((d) => d.state === s).length])) as Record<OnboardingState, number>;
  return { batch, summary: { ...summary, registered: devices.filter((d) => d.registered).length }, devices };
}

/** The tenant of each of the batch's devices, by MAC (the portal's batch page). */
export function batchTenants(deps: ServiceDeps, batchId: number): Promise<{ mac: string; tenant: string }[]> {
  return deps.data.read((q) => {
    const { importBatchDevices: m, devices: d, tenants: t } = q.t;
    return q.db.select({ mac: d.mac, tenant: t.name }).from(m).innerJoin(d, eq(d.id, m.deviceId)).innerJoin(t, eq(t.id, d.tenantId)).where(eq(m.batchId, batchId));
  });
}
