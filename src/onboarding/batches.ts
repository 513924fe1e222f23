import { and, eq } from "drizzle-orm";
import { importBatchDevices, registrations } from "../db/schema.ts";
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

const SUMMARY = `select id, created_at as createdAt, actor, source, file_name as fileName, rows, created, updated, unchanged from import_batches`;

export function listBatches(deps: ServiceDeps, limit = 100): BatchSummary[] {
  return deps.db.$client.prepare(`${SUMMARY} order by id desc limit ?`).all(limit) as BatchSummary[];
}

export function getBatch(deps: ServiceDeps, id: number): BatchSummary {
  const row = Number.isSafeInteger(id) ? (deps.db.$client.prepare(`${SUMMARY} where id = ?`).get(id) as BatchSummary | undefined) : undefined;
  if (!row) throw notFound(`no import batch ${String(id).slice(0, 20)}`);
  return row;
}

// fetch_log is indexed on (mac, at): both subqueries are index range scans.
const STATUS = `
  select m.device_id as deviceId, m.mac, m.row, m.action,
    (select min(f.at) from fetch_log f where f.mac = m.mac and f.at >= b.created_at and f.device_id = m.device_id
       and f.outcome in ('served', 'not_modified')) as firstFetchAt,
    (select max(f.at) from fetch_log f where f.mac = m.mac and f.at >= b.created_at) as lastRequestAt
  from import_batch_devices m join import_batches b on b.id = m.batch_id
  where m.batch_id = ? order by m.row`;

/**
 * Ids of the batch's devices registered now. One query for the whole batch (a batch may hold
 * 100,000 phones); "registered now" is the registrations module's own `effectiveState`.
 */
function registeredDeviceIds(deps: ServiceDeps, batchId: number): Set<number> {
  const now = deps.clock().getTime();
  const rows = deps.db
    .select({ r: registrations })
    .from(registrations)
    .innerJoin(importBatchDevices, eq(importBatchDevices.deviceId, registrations.deviceId))
    .where(and(eq(importBatchDevices.batchId, batchId), eq(registrations.state, "registered")))
    .all();
  return new Set(rows.filter(({ r }) => effectiveState(r, now) === "registered").map(({ r }) => r.deviceId!));
}

export function batchStatus(deps: ServiceDeps, id: number) {
  const batch = getBatch(deps, id);
  const rows = deps.db.$client.prepare(STATUS).all(id) as (Omit<BatchDeviceStatus, "state" | "registered"> & { deviceId: number })[];
  const registered = registeredDeviceIds(deps, id);
  const devices: BatchDeviceStatus[] = rows.map(({ deviceId, ...r }) => ({
    ...r,
    state: r.firstFetchAt !== null ? "fetched" : r.lastRequestAt !== null ? "refused" : "never",
    registered: registered.has(deviceId),
  }));
  const summary = Object.fromEntries(ONBOARDING_STATES.map((s) => [s, devices.filter((d) => d.state === s).length])) as Record<OnboardingState, number>;
  return { batch, summary: { ...summary, registered: devices.filter((d) => d.registered).length }, devices };
}
