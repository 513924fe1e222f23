import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, disabledExtensions, extensions, forceUnregisterDevices, forceUnregisters } from "../db/schema.ts";
import { conflict, notFound } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { randomPassword } from "../secrets.ts";
import { recordAudit } from "../services/audit.ts";
import { devicesUsingExtension, getExtension } from "../services/extensions.ts";
import { getTenant } from "../services/tenants.ts";
import { runNotify, type NotifyJob } from "./actions.ts";
import { currentHashes } from "./drift.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlan } from "./targets.ts";
import { runThrottled } from "../sip/throttle.ts";

export const ForceUnregisterInput = z.strictObject({
  /** remove: take the extension off every phone's lines and keys; disable: keep the assignments, render nothing. */
  mode: z.enum(["remove", "disable"]).default("remove"),
});
export type ForceUnregisterInput = z.infer<typeof ForceUnregisterInput>;

type Request = typeof forceUnregisters.$inferSelect;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Takes the extension off its phones in the database: lines, line keys on those lines, BLF keys. */
function detach(tx: Db, extensionId: number, mode: ForceUnregisterInput["mode"], requestId: number, now: number): void {
  if (mode === "disable") {
    tx.insert(disabledExtensions).values({ extensionId, disabledAt: now, requestId }).onConflictDoNothing().run();
    return;
  }
  const lines = tx.select().from(deviceLines).where(eq(deviceLines.extensionId, extensionId)).all();
  for (const l of lines) {
    tx.delete(deviceKeys).where(and(eq(deviceKeys.deviceId, l.deviceId), eq(deviceKeys.kind, "line"), eq(deviceKeys.lineIndex, l.lineIndex))).run();
  }
  tx.delete(deviceLines).where(eq(deviceLines.extensionId, extensionId)).run();
  tx.delete(deviceKeys).where(eq(deviceKeys.targetExtensionId, extensionId)).run();
}

/**
 * Force-unregister: rotate the extension's SIP password, take it off every phone (or disable it),
 * and record a `pending` request with, per phone, the device files whose content changed. All in
 * one transaction; the NOTIFYs (answering challenges with the credentials the phone still holds,
 * captured before the rotation) are sent afterwards, throttled. The tracker confirms or times out.
 */
export function forceUnregister(deps: ProvisionDeps, settings: SipSettings, tenantName: string, number: string, input: ForceUnregisterInput, actor: string) {
  const now = deps.clock().getTime();
  const { request, jobs } = writeTransaction(deps.db, (tx) => {
    const d = { ...deps, db: tx };
    const tenant = getTenant(d, tenantName);
    const ext = getExtension(d, tenantName, number);
    const open = tx.select().from(forceUnregisters).where(and(eq(forceUnregisters.extensionId, ext.id), eq(forceUnregisters.state, "pending"))).get();
    if (open) throw conflict(`a force-unregister of ${tenant.name}/${number} is already pending (request ${open.id})`);
    const macs = devicesUsingExtension(d, ext.id);
    const rows = macs.length ? tx.select().from(devices).where(inArray(devices.mac, macs)).all() : [];
    const before = rows.map((device) => ({ device, plan: notifyPlan(d, device), hashes: currentHashes(d, device) }));
    const request = tx
      .insert(forceUnregisters)
      .values({ tenantId: tenant.id, extensionId: ext.id, extension: number, mode: input.mode, state: "pending", actor, createdAt: now, deadlineAt: now + settings.forceUnregisterTimeoutMs })
      .returning()
      .get();
    tx.update(extensions).set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: now }).where(eq(extensions.id, ext.id)).run();
    detach(tx, ext.id, input.mode, request.id, now);
    for (const b of before) {
      const after = new Map(currentHashes(d, b.device).map((f) => [f.name, f.hash]));
      const files = b.hashes.filter((f) => after.get(f.name) !== f.hash).map((f) => ({ name: f.name, oldHash: f.hash }));
      tx.insert(forceUnregisterDevices)
        .values({ requestId: request.id, deviceId: b.device.id, mac: b.device.mac, state: "pending", files, notify: b.plan ? null : "skipped", notifyDetail: b.plan ? null : "no known address" })
        .run();
    }
    recordAudit(tx, now, {
      actor,
      action: "extension.force_unregister",
      target: `extension:${tenant.name}/${number}`,
      tenantId: tenant.id,
      extension: `${tenant.name}/${number}`,
      after: { request: request.id, mode: input.mode, devices: macs, passwordRotated: true },
    });
    const jobs: NotifyJob[] = before.filter((b) => b.plan).map((b) => ({ device: b.device, action: "resync", plan: b.plan! }));
    return { request, jobs };
  });
  const done = runThrottled(jobs, settings.throttle, async (job) => {
    const sent = await runNotify(deps, settings, job, actor);
    writeTransaction(deps.db, (tx) =>
      tx.update(forceUnregisterDevices)
        .set({ notify: sent.outcome, notifyDetail: sent.detail })
        .where(and(eq(forceUnregisterDevices.requestId, request.id), eq(forceUnregisterDevices.deviceId, job.device.id)))
        .run(),
    );
    return sent;
  });
  return { request: presentForceUnregister(deps, request.id), done };
}

/** A request and its phones, as the API and the CLI show it. */
export function presentForceUnregister(deps: ProvisionDeps, id: number) {
  const r: Request | undefined = deps.db.select().from(forceUnregisters).where(eq(forceUnregisters.id, id)).get();
  if (!r) throw notFound(`no force-unregister request ${id}`);
  const items = deps.db.select().from(forceUnregisterDevices).where(eq(forceUnregisterDevices.requestId, id)).all();
  return {
    id: r.id,
    extension: r.extension,
    mode: r.mode,
    state: r.state,
    actor: r.actor,
    createdAt: iso(r.createdAt),
    deadlineAt: iso(r.deadlineAt),
    finishedAt: iso(r.finishedAt),
    devices: items.map((i) => ({ mac: i.mac, state: i.state, notify: i.notify, notifyDetail: i.notifyDetail, confirmedAt: iso(i.confirmedAt) })),
  };
}

/** Re-enables an extension disabled by a force-unregister in `disable` mode; phones get it at their next fetch. */
export function enableExtension(deps: ProvisionDeps, tenantName: string, number: string, actor: string): void {
  writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenantName, number);
    const r = tx.delete(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).run();
    if (r.changes === 0) throw conflict(`extension ${tenantName}/${number} is not disabled`);
    recordAudit(tx, deps.clock().getTime(), { actor, action: "extension.enable", target: `extension:${tenantName}/${number}`, tenantId: ext.tenantId, extension: `${tenantName}/${number}` });
  });
}
