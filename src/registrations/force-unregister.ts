import type { ForceUnregisterRow as Request } from "../db/rows.ts";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { disabledExtensions, extensions, forceUnregisterDevices, forceUnregisters } from "../db/schema.ts";
import { conflict, notFound } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { randomPassword } from "../secrets.ts";
import { recordAudit } from "../services/audit.ts";
import { recordExtensionChange } from "../pbx/changes.ts";
import { queueUnregister } from "../pbx/kamailio-db.ts";
import { getExtension } from "../services/extensions.ts";
import { getTenant } from "../services/tenants.ts";
import type { NotifyJob } from "./actions.ts";
import { sealPlan, sendForceUnregisterNotify } from "./pending-notify.ts";
import { currentHashes } from "./drift.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlan } from "./targets.ts";
import { runThrottled } from "../sip/throttle.ts";
import type { Removed } from "../services/extension-usage.ts";
import { devicesShowingExtensionSync, removeExtensionFromPhonesSync } from "../services/extension-usage-sync.ts";
import { disable } from "./take-off.ts";

export const ForceUnregisterInput = z.strictObject({
  /**
   * remove: take the extension off every phone (lines, BLF keys, key layouts, groups; see take-off.ts);
   * disable: keep the assignments, render nothing.
   */
  mode: z.enum(["remove", "disable"]).default("remove"),
});
export type ForceUnregisterInput = z.infer<typeof ForceUnregisterInput>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Force-unregister: rotate the extension's SIP password, take it off every phone (or disable it),
 * the phones that show it through a key layout or a group included, and record a `pending`
 * request with, per phone, the device files whose content changed. All in
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
    const before = devicesShowingExtensionSync(tx, ext.id).map(({ device, line, key }) => ({ device, direct: line || key, plan: notifyPlan(d, device), hashes: currentHashes(d, device) }));
    const request = tx
      .insert(forceUnregisters)
      .values({ tenantId: tenant.id, extensionId: ext.id, extension: number, mode: input.mode, state: "pending", actor, createdAt: now, deadlineAt: now + settings.forceUnregisterTimeoutMs })
      .returning()
      .get();
    tx.update(extensions).set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: now }).where(eq(extensions.id, ext.id)).run();
    let removed: Removed | null = null;
    if (input.mode === "remove") removed = removeExtensionFromPhonesSync(tx, ext.id, now);
    else disable(tx, ext.id, request.id, now);
    // A phone that only watched the extension through a layout or group, and whose files did not change
    // (the member was its own line, or did not fit), has nothing to fetch: it is not waited for.
    const waited = before.flatMap((b) => {
      const after = new Map(currentHashes(d, b.device).map((f) => [f.name, f.hash]));
      const files = b.hashes.filter((f) => after.get(f.name) !== f.hash).map((f) => ({ name: f.name, oldHash: f.hash }));
      return b.direct || files.length ? [{ ...b, files }] : [];
    });
    for (const b of waited) {
      tx.insert(forceUnregisterDevices)
        .values({
          requestId: request.id,
          deviceId: b.device.id,
          mac: b.device.mac,
          state: "pending",
          files: b.files,
          notify: b.plan ? null : "skipped",
          notifyDetail: b.plan ? null : "no known address",
          // Committed with the rotation, so a crash before the send loses no NOTIFY (pending-notify.ts).
          notifyPlanEnc: b.plan ? sealPlan(deps, b.plan) : null,
        })
        .run();
    }
    const rotated = tx.select().from(extensions).where(eq(extensions.id, ext.id)).get()!;
    recordExtensionChange(tx, deps, "extension.credentials_rotated", rotated);
    // The registrar drops the phones' bindings too (docs/pbx.md): a phone that ignores the NOTIFY is off at once.
    queueUnregister(tx, `sip:${rotated.sipUser}@${tenant.sipDomain}`, now);
    if (input.mode === "disable") recordExtensionChange(tx, deps, "extension.disabled", rotated);
    const macs = waited.map((b) => b.device.mac);
    recordAudit(tx, now, {
      actor,
      action: "extension.force_unregister",
      target: `extension:${tenant.name}/${number}`,
      tenantId: tenant.id,
      extension: `${tenant.name}/${number}`,
      after: { request: request.id, mode: input.mode, devices: macs, passwordRotated: true, ...(removed ? { removedFrom: removed } : {}) },
    });
    const jobs: NotifyJob[] = waited.filter((b) => b.plan).map((b) => ({ device: b.device, action: "resync", plan: b.plan! }));
    return { request, jobs };
  });
  const done = runThrottled(jobs, settings.throttle, (job) => sendForceUnregisterNotify(deps, settings, request.id, job, actor));
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

/** Ends a pending request as `cancelled`; what it already did (password, removal) stays done. */
function cancelPending(tx: Db, r: Request, now: number, actor: string, why: string): void {
  tx.update(forceUnregisters).set({ state: "cancelled", finishedAt: now }).where(eq(forceUnregisters.id, r.id)).run();
  recordAudit(tx, now, { actor, action: "force_unregister.cancelled", target: `force_unregister:${r.id}`, tenantId: r.tenantId, detail: why });
}

/**
 * Re-enables an extension disabled by a force-unregister in `disable` mode; phones get it at their
 * next fetch. A request still waiting for the phones to drop it is cancelled: they never will now,
 * and it would block the next force-unregister of the extension until its deadline.
 */
export function enableExtension(deps: ProvisionDeps, tenantName: string, number: string, actor: string): void {
  writeTransaction(deps.db, (tx) => {
    const ext = getExtension({ ...deps, db: tx }, tenantName, number);
    const r = tx.delete(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).run();
    if (r.changes === 0) throw conflict(`extension ${tenantName}/${number} is not disabled`);
    recordExtensionChange(tx, deps, "extension.enabled", ext);
    const now = deps.clock().getTime();
    recordAudit(tx, now, { actor, action: "extension.enable", target: `extension:${tenantName}/${number}`, tenantId: ext.tenantId, extension: `${tenantName}/${number}` });
    const open = tx.select().from(forceUnregisters).where(and(eq(forceUnregisters.extensionId, ext.id), eq(forceUnregisters.state, "pending"))).all();
    for (const o of open) cancelPending(tx, o, now, actor, `extension ${tenantName}/${number} enabled again`);
  });
}

/** Stops waiting for a pending request, so a new one may be made. 409 unless it is pending. */
export function cancelForceUnregister(deps: ProvisionDeps, id: number, actor: string) {
  writeTransaction(deps.db, (tx) => {
    const r = tx.select().from(forceUnregisters).where(eq(forceUnregisters.id, id)).get();
    if (!r) throw notFound(`no force-unregister request ${id}`);
    if (r.state !== "pending") throw conflict(`force-unregister request ${id} is ${r.state}, not pending; there is nothing to cancel`);
    cancelPending(tx, r, deps.clock().getTime(), actor, "cancelled");
  });
  return presentForceUnregister(deps, id);
}
