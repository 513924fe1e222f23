import { asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deviceKeyLayouts, deviceKeys, deviceLines, devices, extensionGroupMembers, extensionGroups, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { idsOf, type ExtensionShownOn } from "./extension-usage.ts";
import { devicesUsingGroupSync } from "./key-expansion-sync.ts";

/**
 * The synchronous forms of src/services/extension-usage.ts (SQLite only, `deps.db` or a `tx`), for
 * the callers that are not on the asynchronous handle yet and use them inside their synchronous
 * transactions: force-unregister (src/registrations/force-unregister.ts), the extension groups
 * (groups-sync.ts), the CSV import and export (src/onboarding/) and the import's settings writes
 * (extension-settings/sections-sync.ts), until they move (docs/scale-out.md#status). The same
 * queries as extension-usage.ts, documented there.
 */

export function devicesShowingExtensionSync(db: Db, extensionId: number): ExtensionShownOn[] {
  const onLines = idsOf(db.selectDistinct({ id: deviceLines.deviceId }).from(deviceLines).where(eq(deviceLines.extensionId, extensionId)).all());
  const onKeys = idsOf(db.selectDistinct({ id: deviceKeys.deviceId }).from(deviceKeys).where(eq(deviceKeys.targetExtensionId, extensionId)).all());
  const shared = new Set(devicesSharingExtensionSync(db, extensionId));
  const ids = [...new Set([...onLines, ...onKeys, ...shared])];
  if (!ids.length) return [];
  return db
    .select()
    .from(devices)
    .where(inArray(devices.id, ids))
    .orderBy(devices.mac)
    .all()
    .map((device) => ({ device, line: onLines.has(device.id), key: onKeys.has(device.id), shared: shared.has(device.id) }));
}

/** Devices whose key layout watches the extension, or whose keys (own or layout) target one of its groups. */
function devicesSharingExtensionSync(db: Db, extensionId: number): number[] {
  const viaLayouts = db
    .selectDistinct({ id: deviceKeyLayouts.deviceId })
    .from(keyLayoutKeys)
    .innerJoin(deviceKeyLayouts, eq(deviceKeyLayouts.layoutId, keyLayoutKeys.layoutId))
    .where(eq(keyLayoutKeys.targetExtensionId, extensionId))
    .all()
    .map((r) => r.id);
  const groups = db.select({ g: extensionGroupMembers.groupId }).from(extensionGroupMembers).where(eq(extensionGroupMembers.extensionId, extensionId)).all();
  return [...new Set([...viaLayouts, ...groups.flatMap((r) => devicesUsingGroupSync(db, r.g))])];
}

export function layoutsWatchingExtensionSync(db: Db, extensionId: number): string[] {
  return db
    .selectDistinct({ name: keyLayouts.name })
    .from(keyLayoutKeys)
    .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
    .where(eq(keyLayoutKeys.targetExtensionId, extensionId))
    .orderBy(keyLayouts.name)
    .all()
    .map((r) => r.name);
}

export function extensionGroupNamesSync(db: Db, extensionId: number): string[] {
  return db
    .select({ name: extensionGroups.name })
    .from(extensionGroupMembers)
    .innerJoin(extensionGroups, eq(extensionGroups.id, extensionGroupMembers.groupId))
    .where(eq(extensionGroupMembers.extensionId, extensionId))
    .orderBy(asc(extensionGroups.name))
    .all()
    .map((r) => r.name);
}
