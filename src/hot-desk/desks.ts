import { and, eq, isNotNull, ne } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import { conflict, invalidInput } from "../errors.ts";
import { planNotifiesIn, queueNotifiesIn, type QueuedNotifies } from "../registrations/notify-outbox.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { keyLimitsOf } from "../services/device-rules.ts";
import { loadDevice, tenantExtension } from "../services/devices.ts";
import { assertExtensionAllowedOnDeviceIn } from "../services/endpoint-policy.ts";
import { expandDeviceKeys } from "../services/key-expansion.ts";
import { assertKeysFit } from "../services/key-checks.ts";
import { applyPersonProfile, placeHotDeskKey, restoreProfile, snapshotProfile } from "./profile.ts";
import { defaultDesk, defaultSince, type HotDeskRow } from "./default-desks.ts";
import { candidates, deskOf, presentDesk, requireDesk, storedDesk, type HotDeskView } from "./desk-state.ts";
import { rulesOf } from "./rules.ts";

/**
 * Hot-desk changes: enable, disable, sign in, sign out (docs/hot-desking.md); what is where: desk-state.ts.
 * Each is one `data.write`, serializable (the default): it reads the desk, the device's lines and
 * keys and the rules it checks, then rewrites them with the NOTIFYs and the audit row; a sign-in
 * or sign-out racing another at the same desk must not slip between the check and the write.
 */

/** What a change did: the devices whose files changed (each gets a NOTIFY), and the desks a person left. */
export interface DeskEdit {
  readonly desk: HotDeskView | null;
  readonly changed: DeviceRow[];
  readonly moved: string[];
}

/** A committed change and the NOTIFYs it queued in its transaction (sent by notify.ts). */
export interface DeskChange extends DeskEdit {
  readonly notify: QueuedNotifies;
}

/**
 * Runs a desk edit in `q` with the NOTIFYs of the devices it may change planned before it (the
 * target and the credentials the phone holds now, not those of the file it is about to fetch) and
 * queued after it, in the same transaction: a crash after the commit still sends them.
 */
export async function notifyingIn(q: Query, deps: ServiceDeps, deviceIds: readonly number[], reason: string, edit: () => Promise<DeskEdit>): Promise<DeskChange> {
  const plans = await planNotifiesIn(q, deps, deviceIds);
  const done = await edit();
  return { ...done, notify: await queueNotifiesIn(q, deps, plans, done.changed, reason) };
}

/** The first key slot of the phone itself that no key (own, layout or group) uses; null when all are taken. */
async function firstFreeKey(q: Query, device: DeviceRow): Promise<number | null> {
  const limits = keyLimitsOf(device);
  const used = new Set((await expandDeviceKeys(q, device, limits)).keys.map((k) => k.index));
  for (let i = 1; i <= limits.ownKeys; i++) if (!used.has(i)) return i;
  return null;
}

async function chooseKey(q: Query, device: DeviceRow, key: number | null | undefined): Promise<number | null> {
  if (key === undefined) return firstFreeKey(q, device);
  if (key === null) return null;
  const limits = keyLimitsOf(device);
  if (key > limits.capacity) throw invalidInput(`key: ${device.model} takes keys 1-${limits.capacity}${limits.capacity === 0 ? " (none)" : ""}; choose one of them, or null for no hot-desk key`);
  const taken = (await expandDeviceKeys(q, device, limits)).keys.find((k) => k.index === key);
  if (taken) throw invalidInput(`key: key ${key} of ${device.mac} is a ${taken.kind} key already; choose a free key, or leave key out to take the first free one`);
  return key;
}

/**
 * Makes a device a hot desk: its current lines and keys are its base profile, plus a Sign in key.
 * A free desk of the tenant's default becomes the device's own (with its key); a device taken out
 * of the default (disable) is back in.
 */
export function enableHotDesk(deps: ServiceDeps, mac: string, input: { key?: number | null }): Promise<DeskChange> {
  return deps.data.write(async (q) => {
    const { hotDesks, hotDeskOptOuts } = q.t;
    const device = await loadDevice(q, mac);
    return notifyingIn(q, deps, [device.id], "hot_desk.enable", async () => {
      if (await storedDesk(q, device.id)) throw conflict(`device ${device.mac} is a hot desk already; its state: GET /api/v1/devices/${device.mac}/hot-desk`);
      const byDefault = (await defaultDesk(q, device.id)) !== undefined;
      const keyIndex = await chooseKey(q, device, input.key);
      await q.db.delete(hotDeskOptOuts).where(eq(hotDeskOptOuts.deviceId, device.id));
      await q.db.insert(hotDesks).values({ deviceId: device.id, tenantId: device.tenantId, keyIndex, enabledAt: deps.clock().getTime() });
      await placeHotDeskKey(q, device.id, keyIndex, false);
      await assertKeysFit(q, [device.id], "key");
      const desk = await presentDesk(q, (await storedDesk(q, device.id))!);
      await auditChangeIn(q, deps, { action: "hot_desk.enable", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: byDefault ? { source: "tenant-default" } : null, after: { keySlot: keyIndex } });
      return { desk, changed: keyIndex === null ? [] : [device], moved: [] };
    });
  });
}

const extensionById = async (q: Query, id: number) => first(await q.db.select().from(q.t.extensions).where(eq(q.t.extensions.id, id)).limit(1));
const deviceById = async (q: Query, id: number) => first(await q.db.select().from(q.t.devices).where(eq(q.t.devices.id, id)).limit(1))!;

async function signOutIn(q: Query, deps: ServiceDeps, device: DeviceRow, desk: HotDeskRow, reason: string): Promise<void> {
  if (desk.baseProfile === null) return;
  const { hotDesks } = q.t;
  const ext = desk.extensionId === null ? null : await extensionById(q, desk.extensionId);
  const dropped = await restoreProfile(q, device.id, desk.baseProfile);
  // A desk of the tenant's default keeps no row while free (default-desks.ts).
  if (desk.origin === "default") await q.db.delete(hotDesks).where(eq(hotDesks.deviceId, device.id));
  else await q.db.update(hotDesks).set({ extensionId: null, signedInAt: null, signedInVia: null, baseProfile: null }).where(eq(hotDesks.deviceId, device.id));
  await auditChangeIn(q, deps, {
    action: "hot_desk.sign_out",
    target: `device:${device.mac}`,
    tenantId: device.tenantId,
    mac: device.mac,
    extension: ext?.number ?? null,
    before: { extension: ext?.number ?? null },
    after: { extension: null, notRestored: dropped },
    detail: reason,
  });
}

/**
 * No longer a hot desk: whoever is signed in is signed out, the Sign in key goes, the rest stays.
 * The device is kept out of its tenant's hot-desk default too (hot_desk_opt_outs) until enabled again.
 */
export function disableHotDesk(deps: ServiceDeps, mac: string): Promise<DeskChange> {
  return deps.data.write(async (q) => {
    const { hotDesks, hotDeskOptOuts, deviceKeys } = q.t;
    const device = await loadDevice(q, mac);
    return notifyingIn(q, deps, [device.id], "hot_desk.disable", async () => {
      const desk = await requireDesk(q, device);
      await signOutIn(q, deps, device, desk, "hot desk disabled");
      const signInKey =
        desk.keyIndex !== null &&
        (
          await q.db
            .delete(deviceKeys)
            .where(and(eq(deviceKeys.deviceId, device.id), eq(deviceKeys.keyIndex, desk.keyIndex), eq(deviceKeys.kind, "feature"), eq(deviceKeys.value, "hot_desk_sign_in")))
            .returning({ keyIndex: deviceKeys.keyIndex })
        ).length > 0;
      await q.db.delete(hotDesks).where(eq(hotDesks.deviceId, device.id));
      await q.db.insert(hotDeskOptOuts).values({ deviceId: device.id, at: deps.clock().getTime() }).onConflictDoNothing();
      const byDefault = (await defaultSince(q, device.id)) !== null;
      await auditChangeIn(q, deps, { action: "hot_desk.disable", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: { keySlot: desk.keyIndex, source: desk.origin === "default" ? "tenant-default" : "device" }, after: { optedOutOfDefault: byDefault } });
      return { desk: null, changed: desk.baseProfile !== null || signInKey ? [device] : [], moved: [] };
    });
  });
}

/**
 * Signs `ext` in at the desk in one transaction: the base profile is kept (the one stored when
 * someone else was signed in, else the device's current one), the person's profile applied. With
 * the tenant's one-desk rule, the person is signed out of any other desk first.
 */
async function signInAt(q: Query, deps: ServiceDeps, device: DeviceRow, ext: ExtensionRow, via: string): Promise<DeskEdit> {
  const { hotDesks, hotDeskProfiles } = q.t;
  const desk = await requireDesk(q, device);
  await assertExtensionAllowedOnDeviceIn(q, ext, device, "extension");
  const now = deps.clock().getTime();
  if (desk.extensionId === ext.id && desk.baseProfile !== null) {
    // Signing in again where one sits already starts the hours anew; the files do not change.
    await q.db.update(hotDesks).set({ signedInAt: now, signedInVia: via }).where(eq(hotDesks.deviceId, device.id));
    await auditChangeIn(q, deps, { action: "hot_desk.sign_in", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, extension: ext.number, after: { extension: ext.number }, detail: `${via}: signed in again` });
    return { desk: await presentDesk(q, (await deskOf(q, device.id))!), changed: [], moved: [] };
  }
  const changed: DeviceRow[] = [device];
  const moved: string[] = [];
  if ((await rulesOf(q, device.tenantId)).oneDeskPerPerson) {
    for (const other of await q.db.select().from(hotDesks).where(and(eq(hotDesks.extensionId, ext.id), ne(hotDesks.deviceId, device.id)))) {
      const otherDevice = await deviceById(q, other.deviceId);
      await signOutIn(q, deps, otherDevice, other, `moved: ${ext.number} signed in at ${device.mac}`);
      changed.push(otherDevice);
      moved.push(otherDevice.mac);
    }
  }
  const previous = desk.extensionId === null ? null : ((await extensionById(q, desk.extensionId)) ?? null);
  const base = desk.baseProfile ?? (await snapshotProfile(q, device.id));
  const profile = first(await q.db.select().from(hotDeskProfiles).where(eq(hotDeskProfiles.extensionId, ext.id)).limit(1));
  await applyPersonProfile(q, device, base, ext.id, profile?.layoutId ?? null, desk.keyIndex);
  // A free desk of the tenant's default has no row yet: signing in writes it.
  await q.db.insert(hotDesks).values(desk).onConflictDoNothing();
  await q.db.update(hotDesks).set({ extensionId: ext.id, signedInAt: now, signedInVia: via, baseProfile: base }).where(eq(hotDesks.deviceId, device.id));
  await auditChangeIn(q, deps, {
    action: "hot_desk.sign_in",
    target: `device:${device.mac}`,
    tenantId: device.tenantId,
    mac: device.mac,
    extension: ext.number,
    before: { extension: previous?.number ?? null },
    after: { extension: ext.number, moved },
    detail: via,
  });
  return { desk: await presentDesk(q, (await deskOf(q, device.id))!), changed, moved };
}

/** Signs `ext` in at the desk and queues the NOTIFYs, in the caller's transaction (the admin's and the PBX's sign-in). */
export async function signInQueuedIn(q: Query, deps: ServiceDeps, device: DeviceRow, ext: ExtensionRow, via: string): Promise<DeskChange> {
  return notifyingIn(q, deps, await candidates(q, device.id, ext.id), "hot_desk.sign_in", () => signInAt(q, deps, device, ext, via));
}

export function signIn(deps: ServiceDeps, mac: string, number: string, via: string): Promise<DeskChange> {
  return deps.data.write(async (q) => {
    const device = await loadDevice(q, mac);
    await requireDesk(q, device);
    const ext = await tenantExtension(q, device.tenantId, number, "extension");
    return signInQueuedIn(q, deps, device, ext, via);
  });
}

/** Restores the base profile; a free desk is refused (nothing to do is worth saying). */
export function signOutAtIn(q: Query, deps: ServiceDeps, device: DeviceRow, reason: string): Promise<DeskChange> {
  return notifyingIn(q, deps, [device.id], "hot_desk.sign_out", async () => {
    const desk = await requireDesk(q, device);
    if (desk.baseProfile === null) throw conflict(`device ${device.mac} is a free hot desk: nobody is signed in`);
    await signOutIn(q, deps, device, desk, reason);
    // A desk of a default the tenant no longer has, or of a model the device no longer is, is none now.
    const after = await deskOf(q, device.id);
    return { desk: after ? await presentDesk(q, after) : null, changed: [device], moved: [] };
  });
}

export function signOut(deps: ServiceDeps, mac: string, reason: string): Promise<DeskChange> {
  return deps.data.write(async (q) => signOutAtIn(q, deps, await loadDevice(q, mac), reason));
}

/** Signs an extension out of every desk it sits at (`9999`, hoteling deactivate). */
export async function signOutEverywhereIn(q: Query, deps: ServiceDeps, extensionId: number, reason: string): Promise<DeskEdit> {
  const { hotDesks } = q.t;
  const changed: DeviceRow[] = [];
  for (const desk of await q.db.select().from(hotDesks).where(and(eq(hotDesks.extensionId, extensionId), isNotNull(hotDesks.baseProfile)))) {
    const device = await deviceById(q, desk.deviceId);
    await signOutIn(q, deps, device, desk, reason);
    changed.push(device);
  }
  return { desk: null, changed, moved: changed.map((d) => d.mac) };
}
