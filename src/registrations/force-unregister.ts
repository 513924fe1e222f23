import type { ForceUnregisterRow as Request } from "../db/rows.ts";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { conflict, notFound } from "../errors.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { randomPassword } from "../secrets.ts";
import { insertAudit } from "../services/audit.ts";
import { recordExtensionChangeIn } from "../pbx/changes.ts";
import { queueUnregisterIn } from "../pbx/kamailio-db.ts";
import { loadExtension } from "../services/extensions.ts";
import { loadTenant } from "../services/tenants.ts";
import type { NotifyJob } from "./actions.ts";
import { sealPlan, sendForceUnregisterNotify } from "./pending-notify.ts";
import { currentHashesIn } from "./drift.ts";
import type { SipSettings } from "./sip-settings.ts";
import { notifyPlanIn } from "./targets.ts";
import { runThrottled } from "../sip/throttle.ts";
import { devicesShowingExtensionIn, removeExtensionFromPhonesIn, type Removed } from "../services/extension-usage.ts";
import { disableIn } from "./take-off.ts";

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
 * Serializable (the default): the pending check, the phones and the files before and after are
 * read in the transaction that writes, so two requests for one extension cannot both pass the check.
 */
export async function forceUnregister(deps: ProvisionDeps, settings: SipSettings, tenantName: string, number: string, input: ForceUnregisterInput, actor: string) {
  const now = deps.clock().getTime();
  const { request, jobs, presented } = await deps.data.write(async (q) => {
    const { forceUnregisters, forceUnregisterDevices, extensions } = q.t;
    const tenant = await loadTenant(q, tenantName);
    const ext = await loadExtension(q, tenantName, number);
    const open = first(await q.db.select().from(forceUnregisters).where(and(eq(forceUnregisters.extensionId, ext.id), eq(forceUnregisters.state, "pending"))).limit(1));
    if (open) throw conflict(`a force-unregister of ${tenant.name}/${number} is already pending (request ${open.id})`);
    const before = [];
    for (const { device, line, key } of await devicesShowingExtensionIn(q, ext.id)) {
      before.push({ device, direct: line || key, plan: await notifyPlanIn(q, deps, device), hashes: await currentHashesIn(q, deps, device) });
    }
    const [request] = await q.db
      .insert(forceUnregisters)
      .values({ tenantId: tenant.id, extensionId: ext.id, extension: number, mode: input.mode, state: "pending", actor, createdAt: now, deadlineAt: now + settings.forceUnregisterTimeoutMs })
      .returning();
    await q.db.update(extensions).set({ sipPasswordEnc: deps.secrets.seal(randomPassword()), updatedAt: now }).where(eq(extensions.id, ext.id));
    let removed: Removed | null = null;
    if (input.mode === "remove") removed = await removeExtensionFromPhonesIn(q, ext.id, now);
    else await disableIn(q, ext.id, request!.id, now);
    // A phone that only watched the extension through a layout or group, and whose files did not change
    // (the member was its own line, or did not fit), has nothing to fetch: it is not waited for.
    const waited = [];
    for (const b of before) {
      const after = new Map((await currentHashesIn(q, deps, b.device)).map((f) => [f.name, f.hash]));
      const files = b.hashes.filter((f) => after.get(f.name) !== f.hash).map((f) => ({ name: f.name, oldHash: f.hash }));
      if (b.direct || files.length) waited.push({ ...b, files });
    }
    for (const b of waited) {
      await q.db.insert(forceUnregisterDevices).values({
        requestId: request!.id,
        deviceId: b.device.id,
        mac: b.device.mac,
        state: "pending",
        files: b.files,
        notify: b.plan ? null : "skipped",
        notifyDetail: b.plan ? null : "no known address",
        // Committed with the rotation, so a crash before the send loses no NOTIFY (pending-notify.ts).
        notifyPlanEnc: b.plan ? sealPlan(deps, b.plan) : null,
      });
    }
    const rotated = first(await q.db.select().from(extensions).where(eq(extensions.id, ext.id)).limit(1))!;
    await recordExtensionChangeIn(q, deps, "extension.credentials_rotated", rotated);
    // The registrar drops the phones' bindings too (docs/pbx.md): a phone that ignores the NOTIFY is off at once.
    queueUnregisterIn(q, `sip:${rotated.sipUser}@${tenant.sipDomain}`, now);
    if (input.mode === "disable") await recordExtensionChangeIn(q, deps, "extension.disabled", rotated);
    const macs = waited.map((b) => b.device.mac);
    await insertAudit(q, now, {
      actor,
      action: "extension.force_unregister",
      target: `extension:${tenant.name}/${number}`,
      tenantId: tenant.id,
      extension: `${tenant.name}/${number}`,
      after: { request: request!.id, mode: input.mode, devices: macs, passwordRotated: true, ...(removed ? { removedFrom: removed } : {}) },
    });
    const jobs: NotifyJob[] = waited.filter((b) => b.plan).map((b) => ({ device: b.device, action: "resync", plan: b.plan! }));
    return { request: request!, jobs, presented: await presentIn(q, request!.id) };
  });
  const done = runThrottled(jobs, settings.throttle, (job) => sendForceUnregisterNotify(deps, settings, request.id, job, actor));
  return { request: presented, done };
}

/** A request and its phones, as the API and the CLI show it. */
export function presentForceUnregister(deps: ServiceDeps, id: number) {
  return deps.data.read((q) => presentIn(q, id));
}

async function presentIn(q: Query, id: number) {
  const { forceUnregisters, forceUnregisterDevices } = q.t;
  const r: Request | undefined = first(await q.db.select().from(forceUnregisters).where(eq(forceUnregisters.id, id)).limit(1));
  if (!r) throw notFound(`no force-unregister request ${id}`);
  const items = await q.db.select().from(forceUnregisterDevices).where(eq(forceUnregisterDevices.requestId, id)).orderBy(asc(forceUnregisterDevices.deviceId));
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
async function cancelPendingIn(q: Query, r: Request, now: number, actor: string, why: string): Promise<void> {
  await q.db.update(q.t.forceUnregisters).set({ state: "cancelled", finishedAt: now }).where(eq(q.t.forceUnregisters.id, r.id));
  await insertAudit(q, now, { actor, action: "force_unregister.cancelled", target: `force_unregister:${r.id}`, tenantId: r.tenantId, detail: why });
}

/**
 * Re-enables an extension disabled by a force-unregister in `disable` mode; phones get it at their
 * next fetch. A request still waiting for the phones to drop it is cancelled: they never will now,
 * and it would block the next force-unregister of the extension until its deadline. Serializable
 * (the default): the pending requests it cancels are read in the transaction.
 */
export function enableExtension(deps: ServiceDeps, tenantName: string, number: string, actor: string): Promise<void> {
  return deps.data.write(async (q) => {
    const { disabledExtensions, forceUnregisters } = q.t;
    const ext = await loadExtension(q, tenantName, number);
    const gone = await q.db.delete(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).returning({ id: disabledExtensions.extensionId });
    if (gone.length === 0) throw conflict(`extension ${tenantName}/${number} is not disabled`);
    await recordExtensionChangeIn(q, deps, "extension.enabled", ext);
    const now = deps.clock().getTime();
    await insertAudit(q, now, { actor, action: "extension.enable", target: `extension:${tenantName}/${number}`, tenantId: ext.tenantId, extension: `${tenantName}/${number}` });
    const open = await q.db.select().from(forceUnregisters).where(and(eq(forceUnregisters.extensionId, ext.id), eq(forceUnregisters.state, "pending"))).orderBy(asc(forceUnregisters.id));
    for (const o of open) await cancelPendingIn(q, o, now, actor, `extension ${tenantName}/${number} enabled again`);
  });
}

/** Stops waiting for a pending request, so a new one may be made. 409 unless it is pending. Serializable (the default). */
export function cancelForceUnregister(deps: ServiceDeps, id: number, actor: string) {
  return deps.data.write(async (q) => {
    const r = first(await q.db.select().from(q.t.forceUnregisters).where(eq(q.t.forceUnregisters.id, id)).limit(1));
    if (!r) throw notFound(`no force-unregister request ${id}`);
    if (r.state !== "pending") throw conflict(`force-unregister request ${id} is ${r.state}, not pending; there is nothing to cancel`);
    await cancelPendingIn(q, r, deps.clock().getTime(), actor, "cancelled");
    return presentIn(q, id);
  });
}
