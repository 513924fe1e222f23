import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import {
  deviceGroupKeys,
  deviceKeyLayouts,
  deviceKeys,
  deviceLines,
  extensionGroupMembers,
  extensionGroups,
  extensionSettings,
  extensions,
  keyLayoutKeys,
  keyLayouts,
} from "../db/schema.ts";
import type { KeyKind } from "../domain/phone-config.ts";
import { capacityText, type KeyLimits } from "../vendors/key-capacity.ts";
import { blfRefusalFor, type BlfPolicy } from "./endpoint-policy.ts";
import type { Monitoring, NumberSettings } from "./extension-settings/schemas.ts";

/**
 * A device's effective keys: its key layout, overridden slot by slot by its own keys, with every
 * BLF-to-group key expanded to one BLF per member. Members are in extension-number order, the
 * phone's own lines and members that refuse monitoring are left out; member k of a group key at
 * slot i goes to slot i+k, which must be free and within the model's keys.
 */

export type SpecKind = KeyKind | "blf_group";

export interface KeySpec {
  readonly index: number;
  readonly kind: SpecKind;
  readonly label: string | null;
  readonly line: number;
  /** blf: extension number; blf_group: group name; speed_dial/park/feature: as stored. */
  readonly value: string | null;
  readonly targetExtensionId: number | null;
  readonly groupId: number | null;
  readonly source: "device" | "layout";
}

export interface ExpandedKey {
  readonly index: number;
  readonly kind: KeyKind;
  readonly label: string | null;
  readonly line: number;
  readonly value: string | null;
  /** blf: the watched extension's display name (default label). */
  readonly targetName: string | null;
  /** Set when the key came from a group: the group's name. */
  readonly group: string | null;
  readonly source: "device" | "layout";
}

export function layoutSpecs(db: Db, layoutId: number): KeySpec[] {
  return db
    .select({ k: keyLayoutKeys, ext: extensions.number, group: extensionGroups.name })
    .from(keyLayoutKeys)
    .leftJoin(extensions, eq(extensions.id, keyLayoutKeys.targetExtensionId))
    .leftJoin(extensionGroups, eq(extensionGroups.id, keyLayoutKeys.targetGroupId))
    .where(eq(keyLayoutKeys.layoutId, layoutId))
    .orderBy(asc(keyLayoutKeys.keyIndex))
    .all()
    .map(({ k, ext, group }) => ({
      index: k.keyIndex,
      kind: k.kind as SpecKind,
      label: k.label,
      line: k.lineIndex,
      value: k.kind === "blf" ? ext : k.kind === "blf_group" ? group : k.value,
      targetExtensionId: k.targetExtensionId,
      groupId: k.targetGroupId,
      source: "layout" as const,
    }));
}

export function deviceLayoutId(db: Db, deviceId: number): number | null {
  return db.select().from(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, deviceId)).get()?.layoutId ?? null;
}

export function deviceOwnSpecs(db: Db, deviceId: number): KeySpec[] {
  const plain = db
    .select({ k: deviceKeys, ext: extensions.number })
    .from(deviceKeys)
    .leftJoin(extensions, eq(extensions.id, deviceKeys.targetExtensionId))
    .where(eq(deviceKeys.deviceId, deviceId))
    .all()
    .map(({ k, ext }) => ({
      index: k.keyIndex,
      kind: k.kind as SpecKind,
      label: k.label,
      line: k.lineIndex,
      value: k.kind === "blf" ? ext : k.value,
      targetExtensionId: k.targetExtensionId,
      groupId: null,
      source: "device" as const,
    }));
  const grouped = db
    .select({ k: deviceGroupKeys, name: extensionGroups.name })
    .from(deviceGroupKeys)
    .innerJoin(extensionGroups, eq(extensionGroups.id, deviceGroupKeys.groupId))
    .where(eq(deviceGroupKeys.deviceId, deviceId))
    .all()
    .map(({ k, name }) => ({
      index: k.keyIndex,
      kind: "blf_group" as const,
      label: k.label,
      line: k.lineIndex,
      value: name,
      targetExtensionId: null,
      groupId: k.groupId,
      source: "device" as const,
    }));
  return [...plain, ...grouped].sort((a, b) => a.index - b.index);
}

/** Layout keys overridden slot by slot by the device's own keys. */
export function mergeSpecs(layout: readonly KeySpec[], own: readonly KeySpec[]): KeySpec[] {
  const bySlot = new Map<number, KeySpec>();
  for (const k of layout) bySlot.set(k.index, k);
  for (const k of own) bySlot.set(k.index, k);
  return [...bySlot.values()].sort((a, b) => a.index - b.index);
}

const byNumber = (a: string, b: string) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);

/** A group member as stored: null settings = no settings row (the defaults: watchable). */
export interface GroupMember {
  readonly id: number;
  readonly number: string;
  readonly displayName: string;
  readonly policy: BlfPolicy | null;
}

export function visibleMembers(members: readonly GroupMember[], ownExtIds: ReadonlySet<number>): GroupMember[] {
  return members.filter((m) => !ownExtIds.has(m.id) && (m.policy === null || blfRefusalFor(m.number, m.policy) === null)).sort((a, b) => byNumber(a.number, b.number));
}

export function groupMembersOf(db: Db, groupId: number): GroupMember[] {
  // One query with the settings joined: a member without a settings row has the defaults (watchable).
  return db
    .select({ id: extensions.id, number: extensions.number, displayName: extensions.displayName, ns: extensionSettings.numberSettings, mon: extensionSettings.monitoring })
    .from(extensionGroupMembers)
    .innerJoin(extensions, eq(extensions.id, extensionGroupMembers.extensionId))
    .leftJoin(extensionSettings, eq(extensionSettings.extensionId, extensions.id))
    .where(eq(extensionGroupMembers.groupId, groupId))
    .all()
    .map((m) => ({ id: m.id, number: m.number, displayName: m.displayName, policy: m.ns === null ? null : { numberSettings: m.ns as NumberSettings, monitoring: m.mon as Monitoring } }));
}


export interface Expansion {
  readonly keys: ExpandedKey[];
  /** Capacity and collision problems; writers refuse them, the resolver drops what does not fit. */
  readonly problems: string[];
}

/** Where the expansion reads group members and display names: the database, or the importer's caches. */
export interface ExpansionSource {
  members(groupId: number): readonly GroupMember[];
  displayName(extensionId: number): string;
}

export function dbExpansionSource(db: Db): ExpansionSource {
  const names = new Map<number, string>();
  return {
    members: (groupId) => groupMembersOf(db, groupId),
    displayName(id) {
      if (!names.has(id)) names.set(id, db.select({ n: extensions.displayName }).from(extensions).where(eq(extensions.id, id)).get()?.n ?? "");
      return names.get(id)!;
    },
  };
}

/** The expansion itself, pure: the same rules for the writers, the resolver and the importer. */
export function expandSpecsWith(source: ExpansionSource, specs: readonly KeySpec[], ownExtIds: ReadonlySet<number>, limits: KeyLimits): Expansion {
  const occupied = new Set(specs.map((s) => s.index));
  const keys: ExpandedKey[] = [];
  const problems: string[] = [];
  for (const s of specs) {
    if (s.index > limits.capacity) {
      problems.push(`key ${s.index}: ${capacityText(limits)}`);
      continue;
    }
    if (s.kind !== "blf_group") {
      keys.push({ ...s, kind: s.kind, targetName: s.kind === "blf" && s.targetExtensionId !== null ? source.displayName(s.targetExtensionId) : null, group: null });
      continue;
    }
    const members = visibleMembers(source.members(s.groupId!), ownExtIds);
    for (const [k, m] of members.entries()) {
      const slot = s.index + k;
      if (slot > limits.capacity) {
        problems.push(`key ${s.index}: group "${s.value}" needs ${members.length} key(s) from key ${s.index} but ${limits.id} has ${limits.capacity}`);
        break;
      }
      if (k > 0 && occupied.has(slot)) {
        problems.push(`key ${s.index}: group "${s.value}" needs ${members.length} key(s) from key ${s.index} but key ${slot} is taken`);
        break;
      }
      occupied.add(slot);
      keys.push({ index: slot, kind: "blf", label: null, line: s.line, value: m.number, targetName: m.displayName, group: s.value, source: s.source });
    }
  }
  return { keys: keys.sort((a, b) => a.index - b.index), problems };
}

export function expandSpecs(db: Db, specs: readonly KeySpec[], ownExtIds: ReadonlySet<number>, limits: KeyLimits): Expansion {
  return expandSpecsWith(dbExpansionSource(db), specs, ownExtIds, limits);
}

export function ownLineExtensionIds(db: Db, deviceId: number): Set<number> {
  return new Set(db.select({ id: deviceLines.extensionId }).from(deviceLines).where(eq(deviceLines.deviceId, deviceId)).all().map((r) => r.id));
}

/** The device's effective keys (layout + own keys + group expansion). */
export function expandDeviceKeys(db: Db, device: { id: number }, limits: KeyLimits): Expansion {
  const layoutId = deviceLayoutId(db, device.id);
  const specs = mergeSpecs(layoutId === null ? [] : layoutSpecs(db, layoutId), deviceOwnSpecs(db, device.id));
  return expandSpecs(db, specs, ownLineExtensionIds(db, device.id), limits);
}

/** True when the device's keys need expansion (a layout or a group key); plain devices skip it. */
export function hasComposedKeys(db: Db, deviceId: number): boolean {
  if (deviceLayoutId(db, deviceId) !== null) return true;
  return db.select({ k: deviceGroupKeys.keyIndex }).from(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, deviceId)).get() !== undefined;
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
