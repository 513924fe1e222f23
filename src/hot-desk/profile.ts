import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { deviceGroupKeys, deviceKeyLayouts, deviceKeys, deviceLines, extensionGroups, extensions, keyLayouts } from "../db/schema.ts";
import type { DeviceRow } from "../db/rows.ts";
import { assertKeysFitSync } from "../services/key-checks-sync.ts";

/**
 * A device's base profile: everything of its own that reaches its files and that signing in
 * replaces (lines, own keys, group keys, key layout). Kept as rows, by id, in
 * `hot_desks.base_profile` while someone is signed in.
 */
export interface BaseProfile {
  readonly lines: { lineIndex: number; extensionId: number }[];
  readonly keys: Omit<typeof deviceKeys.$inferSelect, "deviceId">[];
  readonly groupKeys: Omit<typeof deviceGroupKeys.$inferSelect, "deviceId">[];
  readonly layoutId: number | null;
}

/** The label of the hot-desk key on a free desk and on a signed-in one. */
const SIGN_IN_LABEL = "Sign in";
const SIGN_OUT_LABEL = "Sign out";

const strip = <T extends { deviceId: number }>({ deviceId: _, ...rest }: T): Omit<T, "deviceId"> => rest;

export function snapshotProfile(tx: Db, deviceId: number): BaseProfile {
  return {
    lines: tx.select().from(deviceLines).where(eq(deviceLines.deviceId, deviceId)).all().map((l) => ({ lineIndex: l.lineIndex, extensionId: l.extensionId })),
    keys: tx.select().from(deviceKeys).where(eq(deviceKeys.deviceId, deviceId)).all().map(strip),
    groupKeys: tx.select().from(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, deviceId)).all().map(strip),
    layoutId: tx.select().from(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, deviceId)).get()?.layoutId ?? null,
  };
}

function clear(tx: Db, deviceId: number): void {
  tx.delete(deviceLines).where(eq(deviceLines.deviceId, deviceId)).run();
  tx.delete(deviceKeys).where(eq(deviceKeys.deviceId, deviceId)).run();
  tx.delete(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, deviceId)).run();
  tx.delete(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, deviceId)).run();
}

function write(tx: Db, deviceId: number, p: BaseProfile): void {
  if (p.lines.length) tx.insert(deviceLines).values(p.lines.map((l) => ({ deviceId, ...l }))).run();
  if (p.keys.length) tx.insert(deviceKeys).values(p.keys.map((k) => ({ deviceId, ...k }))).run();
  if (p.groupKeys.length) tx.insert(deviceGroupKeys).values(p.groupKeys.map((k) => ({ deviceId, ...k }))).run();
  if (p.layoutId !== null) tx.insert(deviceKeyLayouts).values({ deviceId, layoutId: p.layoutId }).run();
}

const existing = (tx: Db, table: typeof extensions | typeof extensionGroups | typeof keyLayouts, ids: number[]): Set<number> =>
  new Set(ids.length ? tx.select({ id: table.id }).from(table).where(inArray(table.id, ids)).all().map((r) => r.id) : []);

/**
 * Writes a stored base profile back. What was deleted meanwhile (an extension, a group, a layout
 * of the base profile) is left out and named in the answer, so the restore never fails.
 */
export function restoreProfile(tx: Db, deviceId: number, p: BaseProfile): string[] {
  const exts = existing(tx, extensions, [...p.lines.map((l) => l.extensionId), ...p.keys.flatMap((k) => (k.targetExtensionId === null ? [] : [k.targetExtensionId]))]);
  const groups = existing(tx, extensionGroups, p.groupKeys.map((k) => k.groupId));
  const layouts = existing(tx, keyLayouts, p.layoutId === null ? [] : [p.layoutId]);
  const kept: BaseProfile = {
    lines: p.lines.filter((l) => exts.has(l.extensionId)),
    keys: p.keys.filter((k) => k.targetExtensionId === null || exts.has(k.targetExtensionId)),
    groupKeys: p.groupKeys.filter((k) => groups.has(k.groupId)),
    layoutId: p.layoutId !== null && layouts.has(p.layoutId) ? p.layoutId : null,
  };
  const dropped = [
    ...p.lines.filter((l) => !kept.lines.includes(l)).map((l) => `line ${l.lineIndex} (its extension was deleted)`),
    ...p.keys.filter((k) => !kept.keys.includes(k)).map((k) => `key ${k.keyIndex} (its extension was deleted)`),
    ...p.groupKeys.filter((k) => !kept.groupKeys.includes(k)).map((k) => `key ${k.keyIndex} (its group was deleted)`),
    ...(p.layoutId !== null && kept.layoutId === null ? ["the key layout (it was deleted)"] : []),
  ];
  clear(tx, deviceId);
  write(tx, deviceId, kept);
  return dropped;
}

/** The hot-desk key: a feature key dialling the tenant's code, rendered like every feature key. */
function hotDeskKey(keyIndex: number, signedIn: boolean): BaseProfile["keys"][number] {
  return signedIn
    ? { keyIndex, kind: "feature", label: SIGN_OUT_LABEL, lineIndex: 1, targetExtensionId: null, value: "hot_desk_release" }
    : { keyIndex, kind: "feature", label: SIGN_IN_LABEL, lineIndex: 1, targetExtensionId: null, value: "hot_desk_sign_in" };
}

/** Puts the hot-desk key in its slot (replacing what the slot had among the device's own keys). */
export function placeHotDeskKey(tx: Db, deviceId: number, keyIndex: number | null, signedIn: boolean): void {
  if (keyIndex === null) return;
  tx.delete(deviceKeys).where(and(eq(deviceKeys.deviceId, deviceId), eq(deviceKeys.keyIndex, keyIndex))).run();
  tx.delete(deviceGroupKeys).where(and(eq(deviceGroupKeys.deviceId, deviceId), eq(deviceGroupKeys.keyIndex, keyIndex))).run();
  tx.insert(deviceKeys).values({ deviceId, ...hotDeskKey(keyIndex, signedIn) }).run();
}

/**
 * The signed-in profile: the person's extension on line 1 and, when their hot-desk profile names
 * a key layout, that layout instead of the device's keys; otherwise the device's keys stay, bound
 * to line 1 (the only line now), its line keys of other lines dropped. Then the Sign out key.
 */
export function applyPersonProfile(tx: Db, device: DeviceRow, base: BaseProfile, extensionId: number, layoutId: number | null, keyIndex: number | null): void {
  const keys =
    layoutId !== null
      ? []
      : base.keys.filter((k) => !(k.kind === "line" && k.lineIndex !== 1)).map((k) => ({ ...k, lineIndex: 1 }));
  const person: BaseProfile = {
    lines: [{ lineIndex: 1, extensionId }],
    // A BLF of the person's own extension would watch itself: dropped.
    keys: keys.filter((k) => k.targetExtensionId !== extensionId),
    groupKeys: layoutId !== null ? [] : base.groupKeys.map((k) => ({ ...k, lineIndex: 1 })),
    layoutId: layoutId ?? base.layoutId,
  };
  clear(tx, device.id);
  write(tx, device.id, person);
  placeHotDeskKey(tx, device.id, keyIndex, true);
  assertKeysFitSync(tx, [device.id], "extension");
}
