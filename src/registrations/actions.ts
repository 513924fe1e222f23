import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction } from "../db/client.ts";
import { deviceLines, devices, type extensions } from "../db/schema.ts";
import { conflict, invalidInput } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { recordAudit } from "../services/audit.ts";
import { resolveModel } from "../services/devices.ts";
import { getDeviceSync, listDevicesSync } from "../services/devices-sync.ts";
import { getExtension } from "../services/extensions.ts";
import type { PhoneAction } from "../vendors/vendor.ts";
import { sendNotify, type NotifyOutcome } from "../sip/notify.ts";
import { runThrottled } from "../sip/throttle.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlan, type NotifyPlan } from "./targets.ts";
import type { DeviceRow } from "../db/rows.ts";

export interface NotifyJob {
  readonly device: DeviceRow;
  readonly action: PhoneAction;
  readonly plan: NotifyPlan;
}

export interface SentNotify extends NotifyOutcome {
  readonly mac: string;
  readonly event: string;
  readonly target: string;
}

/** The NOTIFY Event header of `action` for the device's vendor (Vendor.notifyEvents). */
function notifyEvent(deps: ProvisionDeps, device: DeviceRow, action: PhoneAction): string {
  return deps.vendors.find((v) => v.id === device.vendor)!.notifyEvents[action];
}

const describeTarget = (p: NotifyPlan) => `${p.target.transport}:${p.target.host}:${p.target.port}`;

/** Sends one NOTIFY and writes its outcome to the audit log. Never throws. */
export async function runNotify(deps: ProvisionDeps, settings: SipSettings, job: NotifyJob, actor: string): Promise<SentNotify> {
  const event = notifyEvent(deps, job.device, job.action);
  const outcome = await sendNotify({ ...job.plan, event }, settings.notify);
  const sent = { ...outcome, mac: job.device.mac, event, target: describeTarget(job.plan) };
  try {
    writeTransaction(deps.db, (tx) =>
      recordAudit(tx, deps.clock().getTime(), {
        actor,
        action: "notify.sent",
        target: `device:${job.device.mac}`,
        tenantId: job.device.tenantId,
        mac: job.device.mac,
        outcome: outcome.outcome,
        after: { event, target: sent.target, via: job.plan.via, status: outcome.status, authenticated: outcome.authenticated },
        detail: outcome.detail,
      }),
    );
  } catch (err) {
    deps.logger.error({ err, mac: job.device.mac }, "recording a NOTIFY outcome failed");
  }
  return sent;
}

/** Plans a NOTIFY for one device and records the request; throws (changing nothing) without an address. */
function planAction(deps: ProvisionDeps, device: DeviceRow, action: PhoneAction, actor: string): NotifyJob {
  const plan = notifyPlan(deps, device);
  if (!plan) throw conflict(`device ${device.mac} has no known address: it never fetched its config and no registration was reported`);
  writeTransaction(deps.db, (tx) =>
    recordAudit(tx, deps.clock().getTime(), {
      actor,
      action: `device.${action}`,
      target: `device:${device.mac}`,
      tenantId: device.tenantId,
      mac: device.mac,
      after: { target: describeTarget(plan), via: plan.via, event: notifyEvent(deps, device, action) },
    }),
  );
  return { device, action, plan };
}

/** Resync or reboot one device; the promise settles with the NOTIFY outcome. */
export function deviceAction(deps: ProvisionDeps, settings: SipSettings, mac: string, action: PhoneAction, actor: string) {
  const job = planAction(deps, getDeviceSync(deps, mac), action, actor);
  return { job, done: runNotify(deps, settings, job, actor) };
}

/** Body of `POST /tenants/{tenant}/resync`: optionally one model's devices only. */
export const MassResyncInput = z.object({ model: z.string("must be a model name such as T54W").max(32).optional() });

export type ResyncScope = { readonly tenant: string; readonly extension?: string; readonly model?: string };

/** Devices of a scope: a tenant's, an extension's (lines), or a model's within a tenant. */
function devicesInScope(deps: ProvisionDeps, scope: ResyncScope): DeviceRow[] {
  if (scope.extension !== undefined) {
    const ext: typeof extensions.$inferSelect = getExtension(deps, scope.tenant, scope.extension);
    const ids = new Set(deps.db.select({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id)).all().map((r) => r.id));
    return deps.db.select().from(devices).all().filter((d) => ids.has(d.id));
  }
  const all = listDevicesSync(deps, scope.tenant);
  if (scope.model === undefined) return all;
  const matching = all.filter((d) => sameModel(d, scope.model!));
  if (!matching.length) throw invalidInput(`model: no device of tenant ${scope.tenant} is a ${scope.model.slice(0, 32)}`);
  return matching;
}

const sameModel = (d: DeviceRow, model: string): boolean => {
  try {
    return resolveModel(d.vendor, model).id === d.model;
  } catch {
    return false;
  }
};

/**
 * Resync every device of a scope, throttled and jittered. Devices without a known address are
 * skipped (and listed); the rest are planned (and audited) now, sent in the background.
 */
export function massResync(deps: ProvisionDeps, settings: SipSettings, scope: ResyncScope, actor: string) {
  const jobs: NotifyJob[] = [];
  const skipped: string[] = [];
  for (const device of devicesInScope(deps, scope)) {
    if (notifyPlan(deps, device)) jobs.push(planAction(deps, device, "resync", actor));
    else skipped.push(device.mac);
  }
  const done = runThrottled(jobs, settings.throttle, (job) => runNotify(deps, settings, job, actor));
  return { queued: jobs.map((j) => j.device.mac), skipped, done };
}
