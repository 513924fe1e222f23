import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { runThrottled } from "../sip/throttle.ts";
import { runNotify, type NotifyJob, type SentNotify } from "./actions.ts";
import type { SipSettings } from "./sip-settings.ts";
import type { NotifyPlan } from "./targets.ts";

/**
 * The NOTIFYs of a force-unregister are work stored in the database, not only in memory: each
 * phone's row keeps its sealed NOTIFY plan until the NOTIFY has been sent. A process killed between
 * the commit and the send (kill -9, power loss) leaves the rows as they were, and the next server
 * start sends what is left (`resumePendingNotifies`).
 */

export const sealPlan = (deps: Pick<ProvisionDeps, "secrets">, plan: NotifyPlan): string => deps.secrets.seal(JSON.stringify(plan));

/** Records what became of one phone's NOTIFY on its row, clearing the stored plan. Read committed: one update of one row. */
function recordNotify(deps: ProvisionDeps, requestId: number, deviceId: number, notify: string, notifyDetail: string | null): Promise<void> {
  return deps.data.write(
    async (q) => {
      const { forceUnregisterDevices } = q.t;
      await q.db
        .update(forceUnregisterDevices)
        .set({ notify, notifyDetail, notifyPlanEnc: null })
        .where(and(eq(forceUnregisterDevices.requestId, requestId), eq(forceUnregisterDevices.deviceId, deviceId)));
    },
    { isolation: "read committed" },
  );
}

/** Sends one force-unregister NOTIFY and records its outcome on the phone's row, clearing the stored plan. */
export async function sendForceUnregisterNotify(deps: ProvisionDeps, settings: SipSettings, requestId: number, job: NotifyJob, actor: string): Promise<SentNotify> {
  const sent = await runNotify(deps, settings, job, actor);
  await recordNotify(deps, requestId, job.device.id, sent.outcome, sent.detail);
  return sent;
}

/**
 * Sends, throttled, every NOTIFY of a pending force-unregister that was planned but never sent.
 * Called once when the server starts; resolves with what was resumed and a promise of the outcomes.
 */
export async function resumePendingNotifies(deps: ProvisionDeps, settings: SipSettings): Promise<{ resumed: string[]; done: Promise<SentNotify[]> }> {
  const rows = await deps.data.read(async (q) => {
    const { forceUnregisterDevices, forceUnregisters, devices } = q.t;
    return q.db
      .select({ item: forceUnregisterDevices, request: forceUnregisters, device: devices })
      .from(forceUnregisterDevices)
      .innerJoin(forceUnregisters, eq(forceUnregisters.id, forceUnregisterDevices.requestId))
      .leftJoin(devices, eq(devices.id, forceUnregisterDevices.deviceId))
      .where(and(eq(forceUnregisters.state, "pending"), isNull(forceUnregisterDevices.notify), isNotNull(forceUnregisterDevices.notifyPlanEnc)));
  });
  const jobs: { requestId: number; actor: string; job: NotifyJob }[] = [];
  for (const { item, request, device } of rows) {
    let plan: NotifyPlan | null = null;
    try {
      plan = JSON.parse(deps.secrets.open(item.notifyPlanEnc!)) as NotifyPlan;
    } catch (err) {
      deps.logger.error({ err, mac: item.mac }, "a pending NOTIFY could not be read");
    }
    if (!device || !plan) {
      await recordNotify(deps, item.requestId, item.deviceId, "skipped", device ? "pending NOTIFY unreadable" : "device deleted before the NOTIFY was sent");
      continue;
    }
    jobs.push({ requestId: request.id, actor: request.actor, job: { device, action: "resync", plan } });
  }
  if (jobs.length) deps.logger.info({ devices: jobs.map((j) => j.job.device.mac) }, "resuming NOTIFYs of pending force-unregisters");
  const done = runThrottled(jobs, settings.throttle, (j) => sendForceUnregisterNotify(deps, settings, j.requestId, j.job, j.actor));
  return { resumed: jobs.map((j) => j.job.device.mac), done };
}
