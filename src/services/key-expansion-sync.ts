import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { deviceGroupKeys, deviceKeyLayouts, extensionGroupMembers, extensionSettings, extensions, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { expandSpecs, mergeSpecs, toSpec, type Expansion, type ExpansionSource, type GroupMember, type KeySpec, type StoredKey } from "../domain/key-expansion.ts";
import type { KeyLimits } from "../vendors/key-capacity.ts";
import { deviceKeysOf, distinctIds, memberOf, type DeviceKeys } from "./key-expansion.ts";

/**
 * The synchronous form of src/services/key-expansion.ts (SQLite only, `db: Db`), prepared once per
 * connection: the resolver reads a device's keys on every uncached fetch. Kept for the callers that
 * are not on the asynchronous handle yet: the resolver (src/provisioning/resolve.ts), the hot-desk
 * writes (src/hot-desk/), until they move (docs/scale-out.md#status). The same reads as the asynchronous form, and the same
 * shaping of their rows (imported from it).
 */

const statements = preparedPerDb((db) => {
  const c = db.$client;
  return {
    // Plain keys before group keys at the same index (writers keep them apart; mergeSpecs keeps the last).
    ownKeys: c.prepare<[number, number], StoredKey>(
      `select k.key_index as keyIndex, k.kind, k.label, k.line_index as lineIndex, k.target_extension_id as targetExtensionId, null as groupId, k.value,
              e.number as targetNumber, e.display_name as targetName, null as groupName
       from device_keys k left join extensions e on e.id = k.target_extension_id where k.device_id = ?
       union all
       select g.key_index, 'blf_group', g.label, g.line_index, null, g.group_id, null, null, null, x.name
       from device_group_keys g join extension_groups x on x.id = g.group_id where g.device_id = ?
       order by keyIndex, groupId`,
    ),
    layout: c.prepare<[number], { id: number; name: string }>(
      "select l.id, l.name from device_key_layouts d join key_layouts l on l.id = d.layout_id where d.device_id = ?",
    ),
    layoutKeys: c.prepare<[number], StoredKey>(
      `select k.key_index as keyIndex, k.kind, k.label, k.line_index as lineIndex, k.target_extension_id as targetExtensionId, k.target_group_id as groupId, k.value,
              e.number as targetNumber, e.display_name as targetName, g.name as groupName
       from key_layout_keys k left join extensions e on e.id = k.target_extension_id left join extension_groups g on g.id = k.target_group_id
       where k.layout_id = ? order by k.key_index`,
    ),
    ownLines: c.prepare<[number], number>("select extension_id from device_lines where device_id = ?").pluck(),
    // Members with their settings joined: a member without a settings row has the defaults (watchable).
    members: db
      .select({ id: extensions.id, number: extensions.number, displayName: extensions.displayName, ns: extensionSettings.numberSettings, mon: extensionSettings.monitoring })
      .from(extensionGroupMembers)
      .innerJoin(extensions, eq(extensions.id, extensionGroupMembers.extensionId))
      .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
      .where(eq(extensionGroupMembers.groupId, sql.placeholder("groupId")))
      .prepare(),
  };
});

/** The device's own keys as stored (plain and group keys), by index. */
export function storedDeviceKeysSync(db: Db, deviceId: number): StoredKey[] {
  return statements(db).ownKeys.all(deviceId, deviceId);
}

/** The device's key layout, or null. */
function deviceLayoutSync(db: Db, deviceId: number): { id: number; name: string } | null {
  return statements(db).layout.get(deviceId) ?? null;
}

/** A layout's keys as stored, by index. */
function storedLayoutKeys(db: Db, layoutId: number): StoredKey[] {
  return statements(db).layoutKeys.all(layoutId);
}

function layoutSpecsSync(db: Db, layoutId: number): KeySpec[] {
  return storedLayoutKeys(db, layoutId).map((k) => toSpec(k, "layout"));
}

function deviceOwnSpecsSync(db: Db, deviceId: number): KeySpec[] {
  return storedDeviceKeysSync(db, deviceId).map((k) => toSpec(k, "device"));
}

/** Extensions on the device's own lines (a group key leaves them out). */
function ownLineExtensionIds(db: Db, deviceId: number): Set<number> {
  return new Set(statements(db).ownLines.all(deviceId));
}

function groupMembersOf(db: Db, groupId: number): GroupMember[] {
  return statements(db).members.all({ groupId }).map(memberOf);
}

function dbExpansionSource(db: Db): ExpansionSource {
  return { members: (groupId) => groupMembersOf(db, groupId) };
}

export function readDeviceKeysSync(db: Db, deviceId: number): DeviceKeys {
  return deviceKeysOf(deviceLayoutSync(db, deviceId), deviceOwnSpecsSync(db, deviceId));
}

/** The device's effective keys (layout + own keys + group expansion), with what does not fit. */
export function expandDeviceKeysSync(db: Db, device: { id: number }, limits: KeyLimits, read: DeviceKeys = readDeviceKeysSync(db, device.id)): Expansion {
  const specs = mergeSpecs(read.layout === null ? [] : layoutSpecsSync(db, read.layout.id), read.own);
  return expandSpecs(dbExpansionSource(db), specs, ownLineExtensionIds(db, device.id), limits);
}

export function devicesUsingGroupSync(db: Db, groupId: number): number[] {
  const direct = db.select({ id: deviceGroupKeys.deviceId }).from(deviceGroupKeys).where(eq(deviceGroupKeys.groupId, groupId)).all();
  const viaLayouts = db
    .selectDistinct({ id: deviceKeyLayouts.deviceId })
    .from(keyLayoutKeys)
    .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
    .innerJoin(deviceKeyLayouts, eq(deviceKeyLayouts.layoutId, keyLayouts.id))
    .where(eq(keyLayoutKeys.targetGroupId, groupId))
    .all();
  return distinctIds(direct, viaLayouts);
}
