import { asc, eq, inArray } from "drizzle-orm";
import type { DeviceRow } from "../db/rows.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { runThrottled } from "../sip/throttle.ts";
import { runNotify, type SentNotify } from "./actions.ts";
import type { SipSettings } from "./sip-settings.ts";
import type { NotifyPlan } from "./targets.ts";

/**
 * The durable NOTIFY (check-sync) of a change, as force-unregister keeps its NOTIFYs
 * (pending-notify.ts): the plan, made before the change, is sealed into `notify_outbox` in the
 * change's own transaction, and the row is deleted once the NOTIFY went out. A process killed
 * between the commit and the send leaves the row; the next server start sends it
 * (`resumeQueuedNotifies`). The rows are queued by notify-outbox-sync.ts until the hot-desk writes
 * move to the asynchronous handle. A phone may so get one NOTIFY twice (killed after the send, before the
 * delete): a second check-sync only makes it fetch the same file again.
 */

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
