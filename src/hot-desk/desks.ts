import { and, eq, isNotNull, ne } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import { deviceKeys, devices, extensions, hotDeskOptOuts, hotDeskProfiles, hotDesks } from "../db/schema.ts";
import type { DeviceRow, ExtensionRow } from "../db/rows.ts";
import { conflict, invalidInput } from "../errors.ts";
import { planNotifies, queueNotifies, type QueuedNotifies } from "../registrations/notify-outbox-sync.ts";
import { auditChange } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { keyLimitsOf } from "../services/device-rules.ts";
import { getDeviceSync, tenantExtensionSync } from "../services/devices-sync.ts";
import { assertExtensionAllowedOnDeviceSync } from "../services/endpoint-policy-sync.ts";
import { expandDeviceKeysSync } from "../services/key-expansion-sync.ts";
import { assertKeysFitSync } from "../services/key-checks-sync.ts";
import { applyPersonProfile, placeHotDeskKey, restoreProfile, snapshotProfile } from "./profile.ts";
import { defaultDesk, defaultSince, type HotDeskRow } from "./default-desks.ts";
import { candidates, deskOf, presentDesk, requireDesk, storedDesk, type HotDeskView } from "./desk-state.ts";
import { rulesOf } from "./rules.ts";

/** Hot-desk changes: enable, disable, sign in, sign out (docs/hot-desking.md); what is where: desk-state.ts. */

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
 * Runs a desk edit in `tx` with the NOTIFYs of the devices it may change planned before it (the
 * target and the credentials the phone holds now, not those of the file it is about to fetch) and
 * queued after it, in the same transaction: a crash after the commit still sends them.
 */
export function notifying(tx: Db, deps: ServiceDeps, deviceIds: readonly number[], reason: string, edit: () => DeskEdit): DeskChange {
  const plans = planNotifies({ ...deps, db: tx }, deviceIds);
  const done = edit();
  return { ...done, notify: queueNotifies(tx, deps, plans, done.changed, reason) };
}

/** The first key slot of the phone itself that no key (own, layout or group) uses; null when all are taken. */
function firstFreeKey(db: Db, device: DeviceRow): number | null {
  const limits = keyLimitsOf(device);
  const used = new Set(expandDeviceKeysSync(db, device, limits).keys.map((k) => k.index));
  for (let i = 1; i <= limits.ownKeys; i++) if (!used.has(i)) return i;
  return null;
}

function chooseKey(db: Db, device: DeviceRow, key: number | null | undefined): number | null {
  if (key === undefined) return firstFreeKey(db, device);
  if (key === null) return null;
  const limits = keyLimitsOf(device);
  if (key > limits.capacity) throw invalidInput(`key: ${device.model} takes keys 1-${limits.capacity}${limits.capacity === 0 ? " (none)" : ""}; choose one of them, or null for no hot-desk key`);
  const taken = expandDeviceKeysSync(db, device, limits).keys.find((k) => k.index === key);
  if (taken) throw invalidInput(`key: key ${key} of ${device.mac} is a ${taken.kind} key already; choose a free key, or leave key out to take the first free one`);
  return key;
}

/**
 * Makes a device a hot desk: its current lines and keys are its base profile, plus a Sign in key.
 * A free desk of the tenant's default becomes the device's own (with its key); a device taken out
 * of the default (disable) is back in.
 */
export function enableHotDesk(deps: ServiceDeps, mac: string, input: { key?: number | null }): DeskChange {
  return writeTransaction(deps.db, (tx) => {
    const device = getDeviceSync({ ...deps, db: tx }, mac);
    return notifying(tx, deps, [device.id], "hot_desk.enable", () => {
      if (storedDesk(tx, device.id)) throw conflict(`device ${device.mac} is a hot desk already; its state: GET /api/v1/devices/${device.mac}/hot-desk`);
      const byDefault = defaultDesk(tx, device.id) !== undefined;
      const keyIndex = chooseKey(tx, device, input.key);
      tx.delete(hotDeskOptOuts).where(eq(hotDeskOptOuts.deviceId, device.id)).run();
      tx.insert(hotDesks).values({ deviceId: device.id, tenantId: device.tenantId, keyIndex, enabledAt: deps.clock().getTime() }).run();
      placeHotDeskKey(tx, device.id, keyIndex, false);
      assertKeysFitSync(tx, [device.id], "key");
      const desk = presentDesk(tx, storedDesk(tx, device.id)!);
      auditChange(tx, deps, { action: "hot_desk.enable", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: byDefault ? { source: "tenant-default" } : null, after: { keySlot: keyIndex } });
      return { desk, changed: keyIndex === null ? [] : [device], moved: [] };
    });
  });
}

function signOutIn(tx: Db, deps: ServiceDeps, device: DeviceRow, desk: HotDeskRow, reason: string): void {
  if (desk.baseProfile === null) return;
  const ext = desk.extensionId === null ? null : tx.select().from(extensions).where(eq(extensions.id, desk.extensionId)).get();
  const dropped = restoreProfile(tx, device.id, desk.baseProfile);
  // A desk of the tenant's default keeps no row while free (default-desks.ts).
  if (desk.origin === "default") tx.delete(hotDesks).where(eq(hotDesks.deviceId, device.id)).run();
  else tx.update(hotDesks).set({ extensionId: null, signedInAt: null, signedInVia: null, baseProfile: null }).where(eq(hotDesks.deviceId, device.id)).run();
  auditChange(tx, deps, {
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
export function disableHotDesk(deps: ServiceDeps, mac: string): DeskChange {
  return writeTransaction(deps.db, (tx) => {
    const device = getDeviceSync({ ...deps, db: tx }, mac);
    return notifying(tx, deps, [device.id], "hot_desk.disable", () => {
      const desk = requireDesk(tx, device);
      signOutIn(tx, deps, device, desk, "hot desk disabled");
      const signInKey =
        desk.keyIndex !== null &&
        tx
          .delete(deviceKeys)
          .where(and(eq(deviceKeys.deviceId, device.id), eq(deviceKeys.keyIndex, desk.keyIndex), eq(deviceKeys.kind, "feature"), eq(deviceKeys.value, "hot_desk_sign_in")))
          .run().changes > 0;
      tx.delete(hotDesks).where(eq(hotDesks.deviceId, device.id)).run();
      tx.insert(hotDeskOptOuts).values({ deviceId: device.id, at: deps.clock().getTime() }).onConflictDoNothing().run();
      const byDefault = defaultSince(tx, device.id) !== null;
      auditChange(tx, deps, { action: "hot_desk.disable", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, before: { keySlot: desk.keyIndex, source: desk.origin === "default" ? "tenant-default" : "device" }, after: { optedOutOfDefault: byDefault } });
      return { desk: null, changed: desk.baseProfile !== null || signInKey ? [device] : [], moved: [] };
    });
  });
}

/**
 * Signs `ext` in at the desk in one transaction: the base profile is kept (the one stored when
 * someone else was signed in, else the device's current one), the person's profile applied. With
 * the tenant's one-desk rule, the person is signed out of any other desk first.
 */
function signInAt(tx: Db, deps: ServiceDeps, device: DeviceRow, ext: ExtensionRow, via: string): DeskEdit {
  const desk = requireDesk(tx, device);
  assertExtensionAllowedOnDeviceSync(tx, ext, device, "extension");
  const now = deps.clock().getTime();
  if (desk.extensionId === ext.id && desk.baseProfile !== null) {
    // Signing in again where one sits already starts the hours anew; the files do not change.
    tx.update(hotDesks).set({ signedInAt: now, signedInVia: via }).where(eq(hotDesks.deviceId, device.id)).run();
    auditChange(tx, deps, { action: "hot_desk.sign_in", target: `device:${device.mac}`, tenantId: device.tenantId, mac: device.mac, extension: ext.number, after: { extension: ext.number }, detail: `${via}: signed in again` });
    return { desk: presentDesk(tx, deskOf(tx, device.id)!), changed: [], moved: [] };
  }
  const changed: DeviceRow[] = [device];
  const moved: string[] = [];
  if (rulesOf(tx, device.tenantId).oneDeskPerPerson) {
    for (const other of tx.select().from(hotDesks).where(and(eq(hotDesks.extensionId, ext.id), ne(hotDesks.deviceId, device.id))).all()) {
      const otherDevice = tx.select().from(devices).where(eq(devices.id, other.deviceId)).get()!;
      signOutIn(tx, deps, otherDevice, other, `moved: ${ext.number} signed in at ${device.mac}`);
      changed.push(otherDevice);
      moved.push(otherDevice.mac);
    }
  }
  const previous = desk.extensionId === null ? null : tx.select().from(extensions).where(eq(extensions.id, desk.extensionId)).get() ?? null;
  const base = desk.baseProfile ?? snapshotProfile(tx, device.id);
  const profile = tx.select().from(hotDeskProfiles).where(eq(hotDeskProfiles.extensionId, ext.id)).get();
  applyPersonProfile(tx, device, base, ext.id, profile?.layoutId ?? null, desk.keyIndex);
  // A free desk of the tenant's default has no row yet: signing in writes it.
  tx.insert(hotDesks).values(desk).onConflictDoNothing().run();
  tx.update(hotDesks).set({ extensionId: ext.id, signedInAt: now, signedInVia: via, baseProfile: base }).where(eq(hotDesks.deviceId, device.id)).run();
  auditChange(tx, deps, {
    action: "hot_desk.sign_in",
    target: `device:${device.mac}`,
    tenantId: device.tenantId,
    mac: device.mac,
    extension: ext.number,
    before: { extension: previous?.number ?? null },
    after: { extension: ext.number, moved },
    detail: via,
  });
  return { desk: presentDesk(tx, deskOf(tx, device.id)!), changed, moved };
}

/** Signs `ext` in at the desk and queues the NOTIFYs, in one transaction (the admin's sign-in). */
export function signInQueued(tx: Db, deps: ServiceDeps, device: DeviceRow, ext: ExtensionRow, via: string): DeskChange {
  return notifying(tx, deps, candidates(tx, device.id, ext.id), "hot_desk.sign_in", () => signInAt(tx, deps, device, ext, via));
}

export function signIn(deps: ServiceDeps, mac: string, number: string, via: string): DeskChange {
  return writeTransaction(deps.db, (tx) => {
    const device = getDeviceSync({ ...deps, db: tx }, mac);
    requireDesk(tx, device);
    const ext = tenantExtensionSync(tx, device.tenantId, number, "extension");
    return signInQueued(tx, deps, device, ext, via);
  });
}

/** Restores the base profile; a free desk is refused (nothing to do is worth saying). */
export function signOutAt(tx: Db, deps: ServiceDeps, device: DeviceRow, reason: string): DeskChange {
  return notifying(tx, deps, [device.id], "hot_desk.sign_out", () => {
    const desk = requireDesk(tx, device);
    if (desk.baseProfile === null) throw conflict(`device ${device.mac} is a free hot desk: nobody is signed in`);
    signOutIn(tx, deps, device, desk, reason);
    // A desk of a default the tenant no longer has, or of a model the device no longer is, is none now.
    const after = deskOf(tx, device.id);
    return { desk: after ? presentDesk(tx, after) : null, changed: [device], moved: [] };
  });
}

export function signOut(deps: ServiceDeps, mac: string, reason: string): DeskChange {
  return writeTransaction(deps.db, (tx) => signOutAt(tx, deps, getDeviceSync({ ...deps, db: tx }, mac), reason));
}

/** Signs an extension out of every desk it sits at (`9999`, hoteling deactivate). */
export function signOutEverywhere(tx: Db, deps: ServiceDeps, extensionId: number, reason: string): DeskEdit {
  const changed: DeviceRow[] = [];
  for (const desk of tx.select().from(hotDesks).where(and(eq(hotDesks.extensionId, extensionId), isNotNull(hotDesks.baseProfile))).all()) {
    const device = tx.select().from(devices).where(eq(devices.id, desk.deviceId)).get()!;
    signOutIn(tx, deps, device, desk, reason);
    changed.push(device);
  }
  return { desk: null, changed, moved: changed.map((d) => d.mac) };
}
