import { notFound } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";

/**
 * Onboarding status of an import or claim batch, from the fetch log: which phones fetched their
 * config since the batch, which called in but were refused, which never called in. Registration is
 * not tracked yet, so `registered` is null ("not available") until registration tracking exists.
 */
export interface BatchSummary {
  readonly id: number;
  readonly createdAt: number;
  readonly actor: string;
  readonly source: "csv" | "claim";
  readonly fileName: string | null;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

export type OnboardingState = "fetched" | "refused" | "never";
export const ONBOARDING_STATES: readonly OnboardingState[] = ["fetched", "refused", "never"];

export interface BatchDeviceStatus {
  readonly mac: string;
  readonly row: number;
  readonly action: string;
  readonly state: OnboardingState;
  /** First successful config fetch since the batch. */
  readonly firstFetchAt: number | null;
  /** Last request of any outcome since the batch. */
  readonly lastRequestAt: number | null;
  /** Not available: registration tracking does not exist yet. */
  readonly registered: null;
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
  select m.mac, m.row, m.action,
    (select min(f.at) from fetch_log f where f.mac = m.mac and f.at >= b.created_at and f.device_id = m.device_id
       and f.outcome in ('served', 'not_modified')) as firstFetchAt,
    (select max(f.at) from fetch_log f where f.mac = m.mac and f.at >= b.created_at) as lastRequestAt
  from import_batch_devices m join import_batches b on b.id = m.batch_id
  where m.batch_id = ? order by m.row`;

export function batchStatus(deps: ServiceDeps, id: number) {
  const batch = getBatch(deps, id);
  const rows = deps.db.$client.prepare(STATUS).all(id) as Omit<BatchDeviceStatus, "state" | "registered">[];
  const devices: BatchDeviceStatus[] = rows.map((r) => ({
    ...r,
    state: r.firstFetchAt !== null ? "fetched" : r.lastRequestAt !== null ? "refused" : "never",
    registered: null,
  }));
  const summary = Object.fromEntries(ONBOARDING_STATES.map((s) => [s, devices.filter((d) => d.state === s).length])) as Record<OnboardingState, number>;
  return { batch, summary: { ...summary, registered: null }, devices };
}
