import type { KeyKind } from "./phone-config.ts";
import { capacityText, type KeyLimits } from "../vendors/key-capacity.ts";
import type { Monitoring, NumberSettings } from "../services/extension-settings/schemas.ts";

/**
 * A device's effective keys: its key layout, overridden slot by slot by its own keys, with every
 * BLF-to-group key expanded to one BLF per member. Members are in extension-number order, the
 * phone's own lines and members that refuse monitoring are left out; member k of a group key at
 * slot i goes to slot i+k, which must be free and within the model's keys.
 *
 * Pure: the rows come from src/services/key-expansion.ts (the one reader of stored keys) or from
 * the importer's caches (src/onboarding/lookups.ts); the same rules serve the writers, the
 * resolver, the portal and the importer.
 */

export type SpecKind = KeyKind | "blf_group";

/**
 * A key as stored: `device_keys`, `device_group_keys` (kind `blf_group`, `groupId` set) or
 * `key_layout_keys`. `value` is the column (null for blf and blf_group); the watched extension's
 * number and name and the group's name are joined in by the reader.
 */
export interface StoredKey {
  readonly keyIndex: number;
  readonly kind: string;
  readonly label: string | null;
  readonly lineIndex: number;
  readonly targetExtensionId: number | null;
  readonly groupId: number | null;
  readonly value: string | null;
  readonly targetNumber: string | null;
  readonly targetName: string | null;
  readonly groupName: string | null;
}

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
  /** blf: the watched extension's display name (default label). */
  readonly targetName: string | null;
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

/** A stored key as the expansion reads it (blf: the watched number; blf_group: the group's name). */
export function toSpec(k: StoredKey, source: KeySpec["source"]): KeySpec {
  const value = k.kind === "blf" && k.targetExtensionId !== null ? k.targetNumber : k.kind === "blf_group" && k.groupId !== null ? k.groupName : k.value;
  return {
    index: k.keyIndex,
    kind: k.kind as SpecKind,
    label: k.label,
    line: k.lineIndex,
    value,
    targetExtensionId: k.targetExtensionId,
    groupId: k.groupId,
    source,
    targetName: k.kind === "blf" ? k.targetName : null,
  };
}

/** Layout keys overridden slot by slot by the device's own keys. */
export function mergeSpecs(layout: readonly KeySpec[], own: readonly KeySpec[]): KeySpec[] {
  const bySlot = new Map<number, KeySpec>();
  for (const k of layout) bySlot.set(k.index, k);
  for (const k of own) bySlot.set(k.index, k);
  return [...bySlot.values()].sort((a, b) => a.index - b.index);
}

/** The settings that decide whether a BLF key may watch an extension. */
export interface BlfPolicy {
  readonly numberSettings: Pick<NumberSettings, "presence">;
  readonly monitoring: Pick<Monitoring, "allowMonitoring">;
}

/** Why a BLF key may not watch an extension with these settings, or null. */
export function blfRefusalFor(number: string, s: BlfPolicy): string | null {
  if (!s.numberSettings.presence) return `extension ${number} may not be monitored (number settings: presence off)`;
  if (!s.monitoring.allowMonitoring) return `extension ${number} does not allow its calls to be monitored (monitoring: allowMonitoring off)`;
  return null;
}

const byNumber = (a: string, b: string) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0);

/** A group member as stored: null settings = no settings row (the defaults: watchable). */
export interface GroupMember {
  readonly id: number;
  readonly number: string;
  readonly displayName: string;
  readonly policy: BlfPolicy | null;
}

function visibleMembers(members: readonly GroupMember[], ownExtIds: ReadonlySet<number>): GroupMember[] {
  return members.filter((m) => !ownExtIds.has(m.id) && (m.policy === null || blfRefusalFor(m.number, m.policy) === null)).sort((a, b) => byNumber(a.number, b.number));
}

export interface Expansion {
  readonly keys: ExpandedKey[];
  /** Capacity and collision problems; writers refuse them, the resolver drops what does not fit. */
  readonly problems: string[];
}

/** Where the expansion reads a group's members: the database, or the importer's caches. */
export interface ExpansionSource {
  members(groupId: number): readonly GroupMember[];
}

/** The expansion itself: the same rules for the writers, the resolver and the importer. */
export function expandSpecs(source: ExpansionSource, specs: readonly KeySpec[], ownExtIds: ReadonlySet<number>, limits: KeyLimits): Expansion {
  const occupied = new Set(specs.map((s) => s.index));
  const keys: ExpandedKey[] = [];
  const problems: string[] = [];
  for (const s of specs) {
    if (s.index > limits.capacity) {
      problems.push(`key ${s.index}: ${capacityText(limits)}`);
      continue;
    }
    if (s.kind !== "blf_group") {
      // The spec's other fields (targetExtensionId, groupId) stay on the key, as the API has shown them.
      keys.push({ ...s, kind: s.kind, targetName: s.kind === "blf" && s.targetExtensionId !== null ? s.targetName : null, group: null });
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
