import { asc, eq, inArray } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { DeviceRow } from "../db/rows.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { currentActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { runThrottled } from "../sip/throttle.ts";
import { runNotify, type SentNotify } from "./actions.ts";
import { sealPlan } from "./pending-notify.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlanIn, type NotifyPlan } from "./targets.ts";

/**
 * The durable NOTIFY (check-sync) of a change, as force-unregister keeps its NOTIFYs
 * (pending-notify.ts): the plan, made before the change, is sealed into `notify_outbox` in the
 * change's own transaction, and the row is deleted once the NOTIFY went out. A process killed
 * between the commit and the send leaves the row; the next server start sends it
 * (`resumeQueuedNotifies`). The rows are queued by the hot-desk writes (`planNotifiesIn`,
 * `queueNotifiesIn`, inside their transaction). A phone may so get one NOTIFY twice (killed after the send, before the
 * delete): a second check-sync only makes it fetch the same file again.
 */

/** NOTIFY plans per device id, made before a change (null: no known address). */
export type NotifyPlans = ReadonlyMap<number, NotifyPlan | null>;

export async function planNotifiesIn(q: Query, deps: Pick<ServiceDeps, "secrets">, deviceIds: readonly number[]): Promise<NotifyPlans> {
  const rows = deviceIds.length ? await q.db.select().from(q.t.devices).where(inArray(q.t.devices.id, [...deviceIds])) : [];
  const plans = new Map<number, NotifyPlan | null>();
  for (const d of rows) plans.set(d.id, await notifyPlanIn(q, deps, d));
  return plans;
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
 * Queues a NOTIFY for each changed device, inside the change's transaction. A device the plans
 * do not name is planned now (its change did not touch what a NOTIFY needs).
 */
export async function queueNotifiesIn(q: Query, deps: Pick<ServiceDeps, "secrets" | "clock">, plans: NotifyPlans, changed: readonly DeviceRow[], reason: string): Promise<QueuedNotifies> {
  const out: QueuedNotifies = { ids: [], notified: [], skipped: [] };
  const now = deps.clock().getTime();
  const unique = [...new Map(changed.map((d) => [d.id, d]))].map(([, d]) => d);
  for (const device of unique) {
    const plan = plans.has(device.id) ? plans.get(device.id)! : await notifyPlanIn(q, deps, device);
    if (!plan) {
      out.skipped.push(device.mac);
      continue;
    }
    const [row] = await q.db
      .insert(q.t.notifyOutbox)
      .values({ deviceId: device.id, reason, actor: currentActor(), planEnc: sealPlan(deps, plan), createdAt: now })
      .returning({ id: q.t.notifyOutbox.id });
    out.ids.push(row!.id);
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
async function jobsOf(deps: ProvisionDeps, ids: readonly number[] | null): Promise<Job[]> {
  const rows = await deps.data.read(async (q) => {
    const { notifyOutbox, devices } = q.t;
    return q.db
      .select({ item: notifyOutbox, device: devices })
      .from(notifyOutbox)
      .innerJoin(devices, eq(devices.id, notifyOutbox.deviceId))
      .where(ids === null ? undefined : inArray(notifyOutbox.id, [...ids]))
      .orderBy(asc(notifyOutbox.id));
  });
  const jobs: Job[] = [];
  for (const { item, device } of rows) {
    try {
      jobs.push({ id: item.id, actor: item.actor, device, plan: JSON.parse(deps.secrets.open(item.planEnc)) as NotifyPlan });
    } catch (err) {
      deps.logger.error({ err, mac: device.mac }, "a queued NOTIFY could not be read; dropped");
      await dropRow(deps, item.id);
    }
  }
  return jobs;
}

/** Read committed: one delete of one row, nothing read. */
const dropRow = (deps: ProvisionDeps, id: number) =>
  deps.data.write(
    async (q) => {
      await q.db.delete(q.t.notifyOutbox).where(eq(q.t.notifyOutbox.id, id));
    },
    { isolation: "read committed" },
  );

async function send(deps: ProvisionDeps, sip: SipSettings, job: Job): Promise<SentNotify> {
  const sent = await runNotify(deps, sip, { device: job.device, action: "resync", plan: job.plan }, job.actor);
  await dropRow(deps, job.id);
  return sent;
}

/** Sends the queued NOTIFYs of a committed change, throttled; outcomes are audited (`notify.sent`). */
export async function sendQueuedNotifies(deps: ProvisionDeps, sip: SipSettings, ids: readonly number[]): Promise<SentNotify[]> {
  if (!ids.length) return [];
  return runThrottled(await jobsOf(deps, ids), sip.throttle, (j) => send(deps, sip, j));
}

/** Sends every NOTIFY a previous process queued and never sent. Called once when the server starts. */
export async function resumeQueuedNotifies(deps: ProvisionDeps, sip: SipSettings): Promise<{ resumed: string[]; done: Promise<SentNotify[]> }> {
  const jobs = await jobsOf(deps, null);
  if (jobs.length) deps.logger.info({ devices: jobs.map((j) => j.device.mac) }, "resuming queued NOTIFYs");
  return { resumed: jobs.map((j) => j.device.mac), done: runThrottled(jobs, sip.throttle, (j) => send(deps, sip, j)) };
}
