import { startPeriodicPass } from "../db/leases.ts";
import type { ForceUnregisterDeviceRow as Item, ForceUnregisterRow as Request } from "../db/rows.ts";
import { and, eq, gte, inArray } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { forceUnregisterDevices, forceUnregisters, registrations } from "../db/schema.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { recordAudit } from "../services/audit.ts";
import { lastFetch } from "./drift.ts";
import { expireRegistrations } from "./state.ts";


/** Has the phone fetched every changed file since the request, and got something other than the old content? */
function fetchedNewConfig(deps: ProvisionDeps, item: Item, since: number): boolean {
  return item.files.every((f) => {
    const last = lastFetch(deps, item.deviceId, f.name);
    return !!last && last.at >= since && last.hash !== f.oldHash;
  });
}

/** Did the phone (or the registrar) report the extension unregistered on this phone since the request? */
function reportedUnregistered(tx: Db, r: Request, item: Item): boolean {
  if (r.extensionId === null) return false;
  const row = tx
    .select()
    .from(registrations)
    .where(and(eq(registrations.extensionId, r.extensionId), eq(registrations.deviceId, item.deviceId), gte(registrations.lastEventAt, r.createdAt)))
    .get();
  return !!row && row.state !== "registered";
}

function settle(deps: ProvisionDeps, tx: Db, r: Request, now: number): void {
  const items = tx.select().from(forceUnregisterDevices).where(and(eq(forceUnregisterDevices.requestId, r.id), eq(forceUnregisterDevices.state, "pending"))).all();
  for (const item of items) {
    const state = reportedUnregistered(tx, r, item) ? "unregistered" : fetchedNewConfig({ ...deps, db: tx }, item, r.createdAt) ? "fetched" : null;
    if (!state) continue;
    tx.update(forceUnregisterDevices).set({ state, confirmedAt: now }).where(and(eq(forceUnregisterDevices.requestId, r.id), eq(forceUnregisterDevices.deviceId, item.deviceId))).run();
  }
  const pending = tx.select().from(forceUnregisterDevices).where(and(eq(forceUnregisterDevices.requestId, r.id), eq(forceUnregisterDevices.state, "pending"))).all();
  const state = pending.length === 0 ? "confirmed" : now >= r.deadlineAt ? "timed-out" : null;
  if (!state) return;
  tx.update(forceUnregisters).set({ state, finishedAt: now }).where(eq(forceUnregisters.id, r.id)).run();
  recordAudit(tx, now, {
    actor: "system",
    action: `force_unregister.${state === "confirmed" ? "confirmed" : "timed_out"}`,
    target: `force_unregister:${r.id}`,
    tenantId: r.tenantId,
    outcome: state === "confirmed" ? "ok" : "timed-out",
    detail: state === "confirmed" ? null : `still pending: ${pending.map((p) => p.mac).join(", ")}`,
  });
}

/** Confirms or times out pending force-unregisters, reading the fetch log as written so far. */
function settlePending(deps: ProvisionDeps): void {
  const now = deps.clock().getTime();
  writeTransaction(deps.db, (tx) => {
    for (const r of tx.select().from(forceUnregisters).where(inArray(forceUnregisters.state, ["pending"])).all()) settle(deps, tx, r, now);
  });
}

const anyPending = (db: Db): boolean => db.select({ id: forceUnregisters.id }).from(forceUnregisters).where(eq(forceUnregisters.state, "pending")).limit(1).get() !== undefined;

/** One pass: expire registrations, then confirm or time out pending force-unregisters (the CLI's, after a blocking flush). */
export function checkRegistrations(deps: ProvisionDeps): void {
  deps.recorder.flush();
  expireRegistrations(deps);
  settlePending(deps);
}

/**
 * The server's pass: the same, but the event loop never blocks on the fetch-log thread. It waits
 * for the thread (without blocking) only when a force-unregister is pending, since a confirming
 * fetch may still be in a batch; with none pending there is nothing to wait for.
 */
async function serverPass(deps: ProvisionDeps): Promise<void> {
  expireRegistrations(deps);
  if (!anyPending(deps.db)) return;
  await deps.recorder.settle();
  settlePending(deps);
}

/**
 * Runs the server's pass every `intervalMs` on the one process that holds its lease (every node of
 * a database could run it; one does: src/db/leases.ts); errors are logged, never thrown.
 */
export function startTracker(deps: ProvisionDeps, intervalMs: number): { stop(): Promise<void> } {
  return startPeriodicPass(deps, { name: "registrations", intervalMs, failure: "registration check failed", work: () => serverPass(deps) });
}
