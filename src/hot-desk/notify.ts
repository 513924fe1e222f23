import type { DeviceRow } from "../db/rows.ts";
import { devices } from "../db/schema.ts";
import { inArray } from "drizzle-orm";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { runNotify, type SentNotify } from "../registrations/actions.ts";
import type { SipSettings } from "../registrations/sip-settings.ts";
import { notifyPlan, type NotifyPlan } from "../registrations/targets.ts";
import { runThrottled } from "../sip/throttle.ts";
import { currentActor } from "../services/actor.ts";
import type { DeskChange } from "./desks.ts";

/**
 * Every hot-desk change NOTIFYs the phones whose files changed (check-sync, the vendor's resync
 * event), through the same sender, throttle and audit as `phonehome resync`. Plans are made before
 * the change: the NOTIFY target and the credentials a phone that challenges NOTIFY (Grandstream)
 * still holds are those of the profile it runs now, not of the one it is about to fetch.
 */
export type NotifyPlans = ReadonlyMap<number, NotifyPlan | null>;

export function planNotifies(deps: ProvisionDeps, deviceIds: readonly number[]): NotifyPlans {
  const rows = deviceIds.length ? deps.db.select().from(devices).where(inArray(devices.id, [...deviceIds])).all() : [];
  return new Map(rows.map((d) => [d.id, notifyPlan(deps, d)]));
}

export interface NotifyReport {
  /** Phones a NOTIFY was sent to (outcomes in the audit log, `notify.sent`). */
  readonly notified: string[];
  /** Phones with no known address (never fetched, never registered): they get the change at their next fetch. */
  readonly skipped: string[];
  readonly done: Promise<SentNotify[]>;
}

/** Sends the NOTIFYs of a committed change; never throws (outcomes are audited). */
export function notifyChange(deps: ProvisionDeps, sip: SipSettings, plans: NotifyPlans, change: Pick<DeskChange, "changed">): NotifyReport {
  const actor = currentActor();
  const jobs: { device: DeviceRow; plan: NotifyPlan }[] = [];
  const skipped: string[] = [];
  for (const device of change.changed) {
    const plan = plans.get(device.id) ?? notifyPlan(deps, device);
    if (plan) jobs.push({ device, plan });
    else skipped.push(device.mac);
  }
  const done = runThrottled(jobs, sip.throttle, (j) => runNotify(deps, sip, { device: j.device, action: "resync", plan: j.plan }, actor));
  return { notified: jobs.map((j) => j.device.mac), skipped, done };
}
