import { eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { deviceGroupKeys, deviceKeyLayouts, extensionGroupMembers, extensionSettings, extensions, keyLayoutKeys, keyLayouts } from "../db/schema.ts";
import { expandSpecs, mergeSpecs, toSpec, type Expansion, type ExpansionSource, type GroupMember, type KeySpec, type StoredKey } from "../domain/key-expansion.ts";
import type { KeyLimits } from "../vendors/key-capacity.ts";

/**
 * The one reader of a device's keys: its own keys (`device_keys` and `device_group_keys`), its key
 * layout and the layout's keys, the members a group key expands to. The resolver (on the fetch
 * path), the admin API, the portal and the importer all read them here; the rules applied to them
 * are pure (src/domain/key-expansion.ts). Prepared once per database: the resolver reads a
 * device's keys on every uncached fetch.
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
export function storedDeviceKeys(db: Db, deviceId: number): StoredKey[] {
  return statements(db).ownKeys.all(deviceId, deviceId);
}

/** The device's key layout, or null. */
export function deviceLayout(db: Db, deviceId: number): { id: number; name: string } | null {
  return statements(db).layout.get(deviceId) ?? null;
}

/** A layout's keys as stored, by index. */
function storedLayoutKeys(db: Db, layoutId: number): StoredKey[] {
  return statements(db).layoutKeys.all(layoutId);
}

export function layoutSpecs(db: Db, layoutId: number): KeySpec[] {
  return storedLayoutKeys(db, layoutId).map((k) => toSpec(k, "layout"));
}

export function deviceOwnSpecs(db: Db, deviceId: number): KeySpec[] {
  return storedDeviceKeys(db, deviceId).map((k) => toSpec(k, "device"));
}

/** Extensions on the device's own lines (a group key leaves them out). */
function ownLineExtensionIds(db: Db, deviceId: number): Set<number> {
  return new Set(statements(db).ownLines.all(deviceId));
}

function groupMembersOf(db: Db, groupId: number): GroupMember[] {
  return statements(db)
    .members.all({ groupId })
    .map((m) => ({ id: m.id, number: m.number, displayName: m.displayName, policy: m.ns === null || m.mon === null ? null : { numberSettings: m.ns, monitoring: m.mon } }));
}

function dbExpansionSource(db: Db): ExpansionSource {
  return { members: (groupId) => groupMembersOf(db, groupId) };
}

/** A device's keys as read: its layout (or null), its own keys, and whether they need expansion. */
export interface DeviceKeys {
  readonly layout: { id: number; name: string } | null;
  readonly own: readonly KeySpec[];
  /** A layout or a group key: the keys must be merged and expanded; plain keys are used as stored. */
  readonly composed: boolean;
}

export function readDeviceKeys(db: Db, deviceId: number): DeviceKeys {
  const layout = deviceLayout(db, deviceId);
  const own = deviceOwnSpecs(db, deviceId);
  return { layout, own, composed: layout !== null || own.some((k) => k.kind === "blf_group") };
}

/** The device's effective keys (layout + own keys + group expansion), with what does not fit. */
export function expandDeviceKeys(db: Db, device: { id: number }, limits: KeyLimits, read: DeviceKeys = readDeviceKeys(db, device.id)): Expansion {
  const specs = mergeSpecs(read.layout === null ? [] : layoutSpecs(db, read.layout.id), read.own);
  return expandSpecs(dbExpansionSource(db), specs, ownLineExtensionIds(db, device.id), limits);
}

/** Devices whose keys depend on a layout or a group: to re-check after a change of either. */
export function devicesUsingLayout(db: Db, layoutId: number): number[] {
  return db.select({ id: deviceKeyLayouts.deviceId }).from(deviceKeyLayouts).where(eq(deviceKeyLayouts.layoutId, layoutId)).all().map((r) => r.id);
}

export function devicesUsingGroup(db: Db, groupId: number): number[] {
  const direct = db.select({ id: deviceGroupKeys.deviceId }).from(deviceGroupKeys).where(eq(deviceGroupKeys.groupId, groupId)).all();
  const viaLayouts = db
    .selectDistinct({ id: deviceKeyLayouts.deviceId })
    .from(keyLayoutKeys)
    .innerJoin(keyLayouts, eq(keyLayouts.id, keyLayoutKeys.layoutId))
    .innerJoin(deviceKeyLayouts, eq(deviceKeyLayouts.layoutId, keyLayouts.id))
    .where(eq(keyLayoutKeys.targetGroupId, groupId))
    .all();
  return [...new Set([...direct, ...viaLayouts].map((r) => r.id))];
}

/** devicesUsingGroup for converted code (extension-usage.ts), in the caller's `q`. */
export async function devicesUsingGroupIn(q: Query, groupId: number): Promise<number[]> {
  const { deviceGroupKeys: dg, deviceKeyLayouts: dl, keyLayoutKeys: lk, keyLayouts: kl } = q.t;
  const direct = await q.db.select({ id: dg.deviceId }).from(dg).where(eq(dg.groupId, groupId));
  const viaLayouts = await q.db
    .selectDistinct({ id: dl.deviceId })
    .from(lk)
    .innerJoin(kl, eq(kl.id, lk.layoutId))
    .innerJoin(dl, eq(dl.layoutId, kl.id))
    .where(eq(lk.targetGroupId, groupId));
  return [...new Set([...direct, ...viaLayouts].map((r) => r.id))];
}
