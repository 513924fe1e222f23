import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { DeviceRow } from "../db/rows.ts";
import { devices, notifyOutbox } from "../db/schema.ts";
import { currentActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { sealPlan } from "./pending-notify.ts";
import type { NotifyPlan } from "./targets.ts";
import { notifyPlan } from "./targets-sync.ts";

/**
 * Queuing a change's NOTIFYs into `notify_outbox` (notify-outbox.ts) on the synchronous handle, for
 * the hot-desk writes (src/hot-desk/desks.ts) until they move to the asynchronous handle.
 */

/** NOTIFY plans per device id, made before a change (null: no known address). */
export type NotifyPlans = ReadonlyMap<number, NotifyPlan | null>;

export function planNotifies(deps: ServiceDeps, deviceIds: readonly number[]): NotifyPlans {
  const rows = deviceIds.length ? deps.db.select().from(devices).where(inArray(devices.id, [...deviceIds])).all() : [];
  return new Map(rows.map((d) => [d.id, notifyPlan(deps, d)]));
}

/** What a change queued: outbox rows to send, and the phones with no known address. */
export interface QueuedNotifies {
  readonly ids: number[];
  /** Phones a NOTIFY is queued for (outcomes in the audit log, `notify.sent`). */
  readonly notified: string[];
  /** Phones with no known address (never fetched, never registered): they get the change at their next fetch. */
  readonly skipped: string[];
}

/**
 * Queues a NOTIFY for each changed device, inside the change's transaction `tx`. A device the plans
 * do not name is planned now (its change did not touch what a NOTIFY needs).
 */
export function queueNotifies(tx: Db, deps: ServiceDeps, plans: NotifyPlans, changed: readonly DeviceRow[], reason: string): QueuedNotifies {
  const out: QueuedNotifies = { ids: [], notified: [], skipped: [] };
  const now = deps.clock().getTime();
  for (const device of new Map(changed.map((d) => [d.id, d])).values()) {
    const plan = plans.has(device.id) ? plans.get(device.id)! : notifyPlan({ ...deps, db: tx }, device);
    if (!plan) {
      out.skipped.push(device.mac);
      continue;
    }
    const row = tx.insert(notifyOutbox).values({ deviceId: device.id, reason, actor: currentActor(), planEnc: sealPlan(deps, plan), createdAt: now }).returning({ id: notifyOutbox.id }).get();
    out.ids.push(row.id);
    out.notified.push(device.mac);
  }
  return out;
}

