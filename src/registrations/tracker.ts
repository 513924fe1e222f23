import { startPeriodicPass } from "../db/leases.ts";
import type { ForceUnregisterDeviceRow as Item, ForceUnregisterRow as Request } from "../db/rows.ts";
import { and, asc, eq, gte } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { insertAudit } from "../services/audit.ts";
import { lastFetchIn } from "./drift.ts";
import { expireRegistrations } from "./state.ts";

/** Has the phone fetched every changed file since the request, and got something other than the old content? */
async function fetchedNewConfig(q: Query, item: Item, since: number): Promise<boolean> {
  for (const f of item.files) {
    const last = await lastFetchIn(q, item.deviceId, f.name);
    if (!last || last.at < since || last.hash === f.oldHash) return false;
  }
  return true;
}

/** Did the phone (or the registrar) report the extension unregistered on this phone since the request? */
async function reportedUnregistered(q: Query, r: Request, item: Item): Promise<boolean> {
  if (r.extensionId === null) return false;
  const { registrations } = q.t;
  const row = first(
    await q.db
      .select()
      .from(registrations)
      .where(and(eq(registrations.extensionId, r.extensionId), eq(registrations.deviceId, item.deviceId), gte(registrations.lastEventAt, r.createdAt)))
      .limit(1),
  );
  return !!row && row.state !== "registered";
}

async function settleIn(q: Query, r: Request, now: number): Promise<void> {
  const { forceUnregisterDevices, forceUnregisters } = q.t;
  const pendingOf = () => q.db.select().from(forceUnregisterDevices).where(and(eq(forceUnregisterDevices.requestId, r.id), eq(forceUnregisterDevices.state, "pending"))).orderBy(asc(forceUnregisterDevices.deviceId));
  for (const item of await pendingOf()) {
    const state = (await reportedUnregistered(q, r, item)) ? "unregistered" : (await fetchedNewConfig(q, item, r.createdAt)) ? "fetched" : null;
    if (!state) continue;
    await q.db.update(forceUnregisterDevices).set({ state, confirmedAt: now }).where(and(eq(forceUnregisterDevices.requestId, r.id), eq(forceUnregisterDevices.deviceId, item.deviceId)));
  }
  const pending = await pendingOf();
  const state = pending.length === 0 ? "confirmed" : now >= r.deadlineAt ? "timed-out" : null;
  if (!state) return;
  await q.db.update(forceUnregisters).set({ state, finishedAt: now }).where(eq(forceUnregisters.id, r.id));
  await insertAudit(q, now, {
    actor: "system",
    action: `force_unregister.${state === "confirmed" ? "confirmed" : "timed_out"}`,
    target: `force_unregister:${r.id}`,
    tenantId: r.tenantId,
    outcome: state === "confirmed" ? "ok" : "timed-out",
    detail: state === "confirmed" ? null : `still pending: ${pending.map((p) => p.mac).join(", ")}`,
  });
}

/**
 * Confirms or times out pending force-unregisters, reading the fetch log as written so far.
 * Serializable (the default): each request's phones are read and settled in one transaction.
 */
function settlePending(deps: ProvisionDeps): Promise<void> {
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const { forceUnregisters } = q.t;
    for (const r of await q.db.select().from(forceUnregisters).where(eq(forceUnregisters.state, "pending")).orderBy(asc(forceUnregisters.id))) await settleIn(q, r, now);
  });
}

const anyPending = (deps: ProvisionDeps): Promise<boolean> =>
  deps.data.read(async (q) => first(await q.db.select({ id: q.t.forceUnregisters.id }).from(q.t.forceUnregisters).where(eq(q.t.forceUnregisters.state, "pending")).limit(1)) !== undefined);

/** One pass: expire registrations, then confirm or time out pending force-unregisters (the CLI's, after a blocking flush). */
export async function checkRegistrations(deps: ProvisionDeps): Promise<void> {
  deps.recorder.flush();
  await expireRegistrations(deps);
  await settlePending(deps);
}

/**
 * The server's pass: the same, but the event loop never blocks on the fetch-log thread. It waits
 * for the thread (without blocking) only when a force-unregister is pending, since a confirming
 * fetch may still be in a batch; with none pending there is nothing to wait for.
 */
async function serverPass(deps: ProvisionDeps): Promise<void> {
  await expireRegistrations(deps);
  if (!(await anyPending(deps))) return;
  await deps.recorder.settle();
  await settlePending(deps);
}

/**
 * Runs the server's pass every `intervalMs` on the one process that holds its lease (every node of
 * a database could run it; one does: src/db/leases.ts); errors are logged, never thrown.
 */
export function startTracker(deps: ProvisionDeps, intervalMs: number): { stop(): Promise<void> } {
  return startPeriodicPass(deps, { name: "registrations", intervalMs, failure: "registration check failed", work: () => serverPass(deps) });
}
