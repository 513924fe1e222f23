import { asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Query } from "../db/data.ts";
import { conflict, invalidInput } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { insertAudit } from "../services/audit.ts";
import { loadDevice, resolveModel } from "../services/devices.ts";
import { loadExtension } from "../services/extensions.ts";
import { loadTenant } from "../services/tenants.ts";
import type { PhoneAction } from "../vendors/vendor.ts";
import { sendNotify, type NotifyOutcome } from "../sip/notify.ts";
import { runThrottled } from "../sip/throttle.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlanIn, type NotifyPlan } from "./targets.ts";
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
    // Read committed: one insert, nothing read.
    await deps.data.write(
      (q) =>
        insertAudit(q, deps.clock().getTime(), {
          actor,
          action: "notify.sent",
          target: `device:${job.device.mac}`,
          tenantId: job.device.tenantId,
          mac: job.device.mac,
          outcome: outcome.outcome,
          after: { event, target: sent.target, via: job.plan.via, status: outcome.status, authenticated: outcome.authenticated },
          detail: outcome.detail,
        }),
      { isolation: "read committed" },
    );
  } catch (err) {
    deps.logger.error({ err, mac: job.device.mac }, "recording a NOTIFY outcome failed");
  }
  return sent;
}

/**
 * Plans a NOTIFY for one device and records the request, inside the caller's transaction; throws
 * (changing nothing) without an address.
 */
async function planActionIn(q: Query, deps: ProvisionDeps, device: DeviceRow, action: PhoneAction, actor: string): Promise<NotifyJob> {
  const plan = await notifyPlanIn(q, deps, device);
  if (!plan) throw conflict(`device ${device.mac} has no known address: it never fetched its config and no registration was reported`);
  await insertAudit(q, deps.clock().getTime(), {
    actor,
    action: `device.${action}`,
    target: `device:${device.mac}`,
    tenantId: device.tenantId,
    mac: device.mac,
    after: { target: describeTarget(plan), via: plan.via, event: notifyEvent(deps, device, action) },
  });
  return { device, action, plan };
}

/**
 * Resync or reboot one device; `done` settles with the NOTIFY outcome. Serializable (the default):
 * the plan's rows are read in the transaction that audits it.
 */
export async function deviceAction(deps: ProvisionDeps, settings: SipSettings, mac: string, action: PhoneAction, actor: string) {
  const job = await deps.data.write(async (q) => planActionIn(q, deps, await loadDevice(q, mac), action, actor));
  return { job, done: runNotify(deps, settings, job, actor) };
}

/** Body of `POST /tenants/{tenant}/resync`: optionally one model's devices only. */
export const MassResyncInput = z.object({ model: z.string("must be a model name such as T54W").max(32).optional() });

export type ResyncScope = { readonly tenant: string; readonly extension?: string; readonly model?: string };

/** Devices of a scope: a tenant's, an extension's (lines), or a model's within a tenant. */
async function devicesInScope(q: Query, scope: ResyncScope): Promise<DeviceRow[]> {
  const { deviceLines, devices } = q.t;
  if (scope.extension !== undefined) {
    const ext = await loadExtension(q, scope.tenant, scope.extension);
    const ids = new Set((await q.db.select({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, ext.id))).map((r) => r.id));
    return (await q.db.select().from(devices).orderBy(asc(devices.id))).filter((d) => ids.has(d.id));
  }
  const tenant = await loadTenant(q, scope.tenant);
  const all = await q.db.select().from(devices).where(eq(devices.tenantId, tenant.id)).orderBy(asc(devices.mac));
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
export async function massResync(deps: ProvisionDeps, settings: SipSettings, scope: ResyncScope, actor: string) {
  // Serializable (the default): every plan and its audit row in one transaction, as one request.
  const { jobs, skipped } = await deps.data.write(async (q) => {
    const jobs: NotifyJob[] = [];
    const skipped: string[] = [];
    for (const device of await devicesInScope(q, scope)) {
      if (await notifyPlanIn(q, deps, device)) jobs.push(await planActionIn(q, deps, device, "resync", actor));
      else skipped.push(device.mac);
    }
    return { jobs, skipped };
  });
  const done = runThrottled(jobs, settings.throttle, (job) => runNotify(deps, settings, job, actor));
  return { queued: jobs.map((j) => j.device.mac), skipped, done };
}
