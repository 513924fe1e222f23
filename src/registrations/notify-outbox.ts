import { asc, eq, inArray } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import type { DeviceRow } from "../db/rows.ts";
import { devices, notifyOutbox } from "../db/schema.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { currentActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { runThrottled } from "../sip/throttle.ts";
import { runNotify, type SentNotify } from "./actions.ts";
import { sealPlan } from "./pending-notify.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlan, type NotifyPlan } from "./targets.ts";

/**
 * The durable NOTIFY (check-sync) of a change, as force-unregister keeps its NOTIFYs
 * (pending-notify.ts): the plan, made before the change, is sealed into `notify_outbox` in the
 * change's own transaction, and the row is deleted once the NOTIFY went out. A process killed
 * between the commit and the send leaves the row; the next server start sends it
 * (`resumeQueuedNotifies`). A phone may so get one NOTIFY twice (killed after the send, before the
 * delete): a second check-sync only makes it fetch the same file again.
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

interface Job {
  readonly id: number;
  readonly actor: string;
  readonly device: DeviceRow;
  readonly plan: NotifyPlan;
}

/** Reads outbox rows into jobs; a row whose plan cannot be opened is logged and dropped. */
function jobsOf(deps: ProvisionDeps, ids: readonly number[] | null): Job[] {
  const rows = deps.db
    .select({ item: notifyOutbox, device: devices })
    .from(notifyOutbox)
    .innerJoin(devices, eq(devices.id, notifyOutbox.deviceId))
    .where(ids === null ? undefined : inArray(notifyOutbox.id, [...ids]))
    .orderBy(asc(notifyOutbox.id))
    .all();
  const jobs: Job[] = [];
  for (const { item, device } of rows) {
    try {
      jobs.push({ id: item.id, actor: item.actor, device, plan: JSON.parse(deps.secrets.open(item.planEnc)) as NotifyPlan });
    } catch (err) {
      deps.logger.error({ err, mac: device.mac }, "a queued NOTIFY could not be read; dropped");
      writeTransaction(deps.db, (tx) => tx.delete(notifyOutbox).where(eq(notifyOutbox.id, item.id)).run());
    }
  }
  return jobs;
}

async function send(deps: ProvisionDeps, sip: SipSettings, job: Job): Promise<SentNotify> {
  const sent = await runNotify(deps, sip, { device: job.device, action: "resync", plan: job.plan }, job.actor);
  writeTransaction(deps.db, (tx) => tx.delete(notifyOutbox).where(eq(notifyOutbox.id, job.id)).run());
  return sent;
}

/** Sends the queued NOTIFYs of a committed change, throttled; outcomes are audited (`notify.sent`). */
export function sendQueuedNotifies(deps: ProvisionDeps, sip: SipSettings, ids: readonly number[]): Promise<SentNotify[]> {
  if (!ids.length) return Promise.resolve([]);
  return runThrottled(jobsOf(deps, ids), sip.throttle, (j) => send(deps, sip, j));
}

/** Sends every NOTIFY a previous process queued and never sent. Called once when the server starts. */
export function resumeQueuedNotifies(deps: ProvisionDeps, sip: SipSettings): { resumed: string[]; done: Promise<SentNotify[]> } {
  const jobs = jobsOf(deps, null);
  if (jobs.length) deps.logger.info({ devices: jobs.map((j) => j.device.mac) }, "resuming queued NOTIFYs");
  return { resumed: jobs.map((j) => j.device.mac), done: runThrottled(jobs, sip.throttle, (j) => send(deps, sip, j)) };
}
