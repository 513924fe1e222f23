import { and, eq, inArray, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deviceKeys, deviceLines, devices, disabledExtensions, extensionGroupMembers, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { extensionGroupNames } from "../services/groups.ts";
import type { DeviceRow } from "../services/devices.ts";
import { devicesWatchingExtension } from "../services/key-expansion.ts";

/**
 * What "take the extension off every phone" means since phones can show an extension in three ways:
 * on a line, on a BLF key of their own, and through what they share with other phones: a key
 * layout's BLF key, or a BLF-to-group key that expands to the group's members. `remove` takes it out
 * of all of them, so no phone's next config shows it (no line, no BLF): lines (with their line keys)
 * and BLF keys of the phones, BLF keys of key layouts, and memberships of groups. The layout keys and
 * groups it was taken out of go to the audit log, so an operator can put it back. `disable` keeps
 * everything and the resolver renders nothing for it (lines, plain keys and expanded keys).
 */
export interface Removed {
  readonly groups: string[];
  readonly keyLayouts: { layout: string; index: number }[];
}

/** Every device that carries or shows the extension now: lines, own BLF keys, layouts, groups. */
export function devicesShowing(tx: Db, extensionId: number): { device: DeviceRow; direct: boolean }[] {
  const direct = tx
    .selectDistinct({ id: devices.id })
    .from(devices)
    .leftJoin(deviceLines, eq(deviceLines.deviceId, devices.id))
    .leftJoin(deviceKeys, eq(deviceKeys.deviceId, devices.id))
    .where(or(eq(deviceLines.extensionId, extensionId), eq(deviceKeys.targetExtensionId, extensionId)))
    .all()
    .map((r) => r.id);
  const ids = [...new Set([...direct, ...devicesWatchingExtension(tx, extensionId)])];
  if (!ids.length) return [];
  const rows = tx.select().from(devices).where(inArray(devices.id, ids)).orderBy(devices.mac).all();
  return rows.map((device) => ({ device, direct: direct.includes(device.id) }));
}

export function disable(tx: Db, extensionId: number, requestId: number, now: number): void {
  tx.insert(disabledExtensions).values({ extensionId, disabledAt: now, requestId }).onConflictDoNothing().run();
}

export function removeFromPhones(tx: Db, extensionId: number, now: number): Removed {
  const lines = tx.select().from(deviceLines).where(eq(deviceLines.extensionId, extensionId)).all();
  for (const l of lines) {
    tx.delete(deviceKeys).where(and(eq(deviceKeys.deviceId, l.deviceId), eq(deviceKeys.kind, "line"), eq(deviceKeys.lineIndex, l.lineIndex))).run();
  }
  tx.delete(deviceLines).where(eq(deviceLines.extensionId, extensionId)).run();
  tx.delete(deviceKeys).where(eq(deviceKeys.targetExtensionId, extensionId)).run();
  const layoutKeys = tx
    .select({ id: keyLayouts.id, layout: keyLayouts.name, key: keyLayoutKeys.keyIndex })
    .from(keyLayoutKeys)
    .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
    .where(eq(keyLayoutKeys.targetExtensionId, extensionId))
    .orderBy(keyLayouts.name, keyLayoutKeys.keyIndex)
    .all();
  tx.delete(keyLayoutKeys).where(eq(keyLayoutKeys.targetExtensionId, extensionId)).run();
  const touched = [...new Set(layoutKeys.map((k) => k.id))];
  if (touched.length) tx.update(keyLayouts).set({ updatedAt: now }).where(inArray(keyLayouts.id, touched)).run();
  // Leaving a group only shrinks the expansions of the phones watching it: nothing can stop fitting.
  const groups = extensionGroupNames(tx, extensionId);
  tx.delete(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, extensionId)).run();
  return { groups, keyLayouts: layoutKeys.map(({ layout, key }) => ({ layout, index: key })) };
}
