import { asc, eq, inArray, sql } from "drizzle-orm";
import { first, preparedPerQuery, type Query } from "../db/data.ts";
import type { ExtensionSettingsRow } from "../db/rows.ts";
import { expandSpecs, mergeSpecs, toSpec, type Expansion, type ExpansionSource, type GroupMember, type KeySpec, type StoredKey } from "../domain/key-expansion.ts";
import type { KeyLimits } from "../vendors/key-capacity.ts";

/**
 * The one reader of a device's keys: its own keys (`device_keys` and `device_group_keys`), its key
 * layout and the layout's keys, the members a group key expands to. The resolver (on the fetch
 * path), the admin API, the portal and the importer all read them here; the rules applied to them
 * are pure (src/domain/key-expansion.ts).
 *
 * It reads through the asynchronous handle (`q: Query`, SQLite and PostgreSQL): the resolver
 * (every uncached fetch), the admin API, the portal, the CLI and the importer alike.
 */

/** A device's keys as read: its layout (or null), its own keys, and whether they need expansion. */
export interface DeviceKeys {
  readonly layout: { id: number; name: string } | null;
  readonly own: readonly KeySpec[];
  /** A layout or a group key: the keys must be merged and expanded; plain keys are used as stored. */
  readonly composed: boolean;
}

function deviceKeysOf(layout: DeviceKeys["layout"], own: readonly KeySpec[]): DeviceKeys {
  return { layout, own, composed: layout !== null || own.some((k) => k.kind === "blf_group") };
}

/** A member row with its settings joined: a member without a settings row has the defaults (watchable). */
function memberOf(m: { id: number; number: string; displayName: string; ns: ExtensionSettingsRow["numberSettings"] | null; mon: ExtensionSettingsRow["monitoring"] | null }): GroupMember {
  return { id: m.id, number: m.number, displayName: m.displayName, policy: m.ns === null || m.mon === null ? null : { numberSettings: m.ns, monitoring: m.mon } };
}

const distinctIds = (...lists: readonly { id: number }[][]): number[] => [...new Set(lists.flat().map((r) => r.id))];

/** Plain keys before group keys at the same index (writers keep them apart; mergeSpecs keeps the last). */
const byIndexThenGroup = (a: StoredKey, b: StoredKey): number => a.keyIndex - b.keyIndex || (a.groupId ?? -1) - (b.groupId ?? -1);

/*
 * One device's key reads, prepared once per connection (preparedPerQuery, src/db/data.ts): the
 * resolver runs them on every render.
 */
/* eslint-disable no-restricted-syntax -- prepared once per connection, on both databases (preparedPerQuery) */
const oneDevice = preparedPerQuery((q) => {
  const { deviceKeys: k, deviceGroupKeys: g, extensions: e, extensionGroups: x, deviceKeyLayouts: d, keyLayouts: l, deviceLines: dl } = q.t;
  const deviceId = sql.placeholder("deviceId");
  return {
    plain: q.db.select(plainKeyFields(q)).from(k).leftJoin(e, eq(e.id, k.targetExtensionId)).where(eq(k.deviceId, deviceId)).prepare(),
    grouped: q.db.select(groupKeyFields(q)).from(g).innerJoin(x, eq(x.id, g.groupId)).where(eq(g.deviceId, deviceId)).prepare(),
    layout: q.db.select({ id: l.id, name: l.name }).from(d).innerJoin(l, eq(l.id, d.layoutId)).where(eq(d.deviceId, deviceId)).prepare(),
    lines: q.db.select({ id: dl.extensionId }).from(dl).where(eq(dl.deviceId, deviceId)).prepare(),
  };
});
/* eslint-enable no-restricted-syntax */

const plainKeyFields = ({ t: { deviceKeys: k, extensions: e } }: Query) => ({
  deviceId: k.deviceId,
  keyIndex: k.keyIndex,
  kind: k.kind,
  label: k.label,
  lineIndex: k.lineIndex,
  targetExtensionId: k.targetExtensionId,
  value: k.value,
  targetNumber: e.number,
  targetName: e.displayName,
});
const groupKeyFields = ({ t: { deviceGroupKeys: g, extensionGroups: x } }: Query) => ({ deviceId: g.deviceId, keyIndex: g.keyIndex, label: g.label, lineIndex: g.lineIndex, groupId: g.groupId, groupName: x.name });
type PlainRow = { deviceId: number } & Omit<StoredKey, "groupId" | "groupName">;
type GroupRow = { deviceId: number; keyIndex: number; label: string | null; lineIndex: number; groupId: number; groupName: string };

/** Stored keys by device, from the rows of both key tables, by index. */
function storedByDevice(plain: readonly PlainRow[], grouped: readonly GroupRow[]): Map<number, StoredKey[]> {
  const out = new Map<number, StoredKey[]>();
  const add = (deviceId: number, key: StoredKey) => {
    const keys = out.get(deviceId);
    if (keys) keys.push(key);
    else out.set(deviceId, [key]);
  };
  for (const { deviceId, ...r } of plain) add(deviceId, { ...r, groupId: null, groupName: null });
  for (const { deviceId, ...r } of grouped) add(deviceId, { ...r, kind: "blf_group" as const, targetExtensionId: null, value: null, targetNumber: null, targetName: null });
  for (const [, keys] of out) keys.sort(byIndexThenGroup);
  return out;
}

/** The device's own keys as stored (plain and group keys), by index. */
export async function storedDeviceKeys(q: Query, deviceId: number): Promise<StoredKey[]> {
  const p = oneDevice(q);
  return storedByDevice(await p.plain.execute({ deviceId }), await p.grouped.execute({ deviceId })).get(deviceId) ?? [];
}

/** storedDeviceKeys of many devices in two queries (the importer reads a chunk of devices at once). */
export async function storedKeysOfDevices(q: Query, deviceIds: readonly number[]): Promise<Map<number, StoredKey[]>> {
  if (!deviceIds.length) return new Map();
  const { deviceKeys: k, deviceGroupKeys: g, extensions: e, extensionGroups: x } = q.t;
  const ids = [...deviceIds];
  const plain = await q.db.select(plainKeyFields(q)).from(k).leftJoin(e, eq(e.id, k.targetExtensionId)).where(inArray(k.deviceId, ids));
  const grouped = await q.db.select(groupKeyFields(q)).from(g).innerJoin(x, eq(x.id, g.groupId)).where(inArray(g.deviceId, ids));
  return storedByDevice(plain, grouped);
}

/** The device's key layout, or null. */
export async function deviceLayout(q: Query, deviceId: number): Promise<{ id: number; name: string } | null> {
  return first(await oneDevice(q).layout.execute({ deviceId })) ?? null;
}

/** A layout's keys as read by the expansion, by index. */
export async function layoutSpecs(q: Query, layoutId: number): Promise<KeySpec[]> {
  const { keyLayoutKeys: k, extensions: e, extensionGroups: g } = q.t;
  const rows = await q.db
    .select({
      keyIndex: k.keyIndex,
      kind: k.kind,
      label: k.label,
      lineIndex: k.lineIndex,
      targetExtensionId: k.targetExtensionId,
      groupId: k.targetGroupId,
      value: k.value,
      targetNumber: e.number,
      targetName: e.displayName,
      groupName: g.name,
    })
    .from(k)
    .leftJoin(e, eq(e.id, k.targetExtensionId))
    .leftJoin(g, eq(g.id, k.targetGroupId))
    .where(eq(k.layoutId, layoutId))
    .orderBy(asc(k.keyIndex));
  return rows.map((r) => toSpec(r, "layout"));
}

/** The device's own keys as the expansion reads them. */
export async function deviceOwnSpecs(q: Query, deviceId: number): Promise<KeySpec[]> {
  return (await storedDeviceKeys(q, deviceId)).map((k) => toSpec(k, "device"));
}

export async function readDeviceKeys(q: Query, deviceId: number): Promise<DeviceKeys> {
  return deviceKeysOf(await deviceLayout(q, deviceId), await deviceOwnSpecs(q, deviceId));
}

/** The members of the groups `groupIds`, read in one query (expandSpecs asks for them synchronously). */
async function groupMembersIn(q: Query, groupIds: readonly number[]): Promise<ExpansionSource> {
  const byGroup = new Map<number, GroupMember[]>();
  if (groupIds.length) {
    const { extensionGroupMembers: gm, extensions: e, extensionSettings: s } = q.t;
    const rows = await q.db
      .select({ groupId: gm.groupId, id: e.id, number: e.number, displayName: e.displayName, ns: s.numberSettings, mon: s.monitoring })
      .from(gm)
      .innerJoin(e, eq(e.id, gm.extensionId))
      .leftJoin(s, eq(s.extensionId, e.id))
      .where(inArray(gm.groupId, [...groupIds]));
    for (const r of rows) byGroup.set(r.groupId, [...(byGroup.get(r.groupId) ?? []), memberOf(r)]);
  }
  return { members: (groupId) => byGroup.get(groupId) ?? [] };
}

/** The device's effective keys (layout + own keys + group expansion), with what does not fit. */
export async function expandDeviceKeys(q: Query, device: { id: number }, limits: KeyLimits, read?: DeviceKeys): Promise<Expansion> {
  const keys = read ?? (await readDeviceKeys(q, device.id));
  const specs = mergeSpecs(keys.layout === null ? [] : await layoutSpecs(q, keys.layout.id), keys.own);
  const groupIds = [...new Set(specs.flatMap((s) => (s.kind === "blf_group" && s.groupId !== null ? [s.groupId] : [])))];
  const source = await groupMembersIn(q, groupIds);
  const ownLines = new Set((await oneDevice(q).lines.execute({ deviceId: device.id })).map((r) => r.id));
  return expandSpecs(source, specs, ownLines, limits);
}

/** Devices whose keys depend on a layout or a group: to re-check after a change of either. */
export async function devicesUsingLayout(q: Query, layoutId: number): Promise<number[]> {
  const { deviceKeyLayouts: d } = q.t;
  return (await q.db.select({ id: d.deviceId }).from(d).where(eq(d.layoutId, layoutId))).map((r) => r.id);
}

export async function devicesUsingGroup(q: Query, groupId: number): Promise<number[]> {
  const { deviceGroupKeys: g, deviceKeyLayouts: d, keyLayoutKeys: k, keyLayouts: l } = q.t;
  const direct = await q.db.select({ id: g.deviceId }).from(g).where(eq(g.groupId, groupId));
  const viaLayouts = await q.db
    .selectDistinct({ id: d.deviceId })
    .from(k)
    .innerJoin(l, eq(l.id, k.layoutId))
    .innerJoin(d, eq(d.layoutId, l.id))
    .where(eq(k.targetGroupId, groupId));
  return distinctIds(direct, viaLayouts);
}
