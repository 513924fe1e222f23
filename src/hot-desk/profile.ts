import { and, eq, inArray } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { deviceGroupKeys, deviceKeys } from "../db/schema.ts";
import type { DeviceRow } from "../db/rows.ts";
import { assertKeysFit } from "../services/key-checks.ts";

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

export async function snapshotProfile(q: Query, deviceId: number): Promise<BaseProfile> {
  const { deviceLines, deviceKeys, deviceGroupKeys, deviceKeyLayouts } = q.t;
  return {
    lines: (await q.db.select().from(deviceLines).where(eq(deviceLines.deviceId, deviceId))).map((l) => ({ lineIndex: l.lineIndex, extensionId: l.extensionId })),
    keys: (await q.db.select().from(deviceKeys).where(eq(deviceKeys.deviceId, deviceId))).map(strip),
    groupKeys: (await q.db.select().from(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, deviceId))).map(strip),
    layoutId: first(await q.db.select().from(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, deviceId)).limit(1))?.layoutId ?? null,
  };
}

async function clear(q: Query, deviceId: number): Promise<void> {
  const { deviceLines, deviceKeys, deviceGroupKeys, deviceKeyLayouts } = q.t;
  await q.db.delete(deviceLines).where(eq(deviceLines.deviceId, deviceId));
  await q.db.delete(deviceKeys).where(eq(deviceKeys.deviceId, deviceId));
  await q.db.delete(deviceGroupKeys).where(eq(deviceGroupKeys.deviceId, deviceId));
  await q.db.delete(deviceKeyLayouts).where(eq(deviceKeyLayouts.deviceId, deviceId));
}

async function write(q: Query, deviceId: number, p: BaseProfile): Promise<void> {
  const { deviceLines, deviceKeys, deviceGroupKeys, deviceKeyLayouts } = q.t;
  if (p.lines.length) await q.db.insert(deviceLines).values(p.lines.map((l) => ({ deviceId, ...l })));
  if (p.keys.length) await q.db.insert(deviceKeys).values(p.keys.map((k) => ({ deviceId, ...k })));
  if (p.groupKeys.length) await q.db.insert(deviceGroupKeys).values(p.groupKeys.map((k) => ({ deviceId, ...k })));
  if (p.layoutId !== null) await q.db.insert(deviceKeyLayouts).values({ deviceId, layoutId: p.layoutId });
}

async function existing(q: Query, table: "extensions" | "extensionGroups" | "keyLayouts", ids: number[]): Promise<Set<number>> {
  const t = q.t[table];
  return new Set(ids.length ? (await q.db.select({ id: t.id }).from(t).where(inArray(t.id, ids))).map((r) => r.id) : []);
}

/**
 * Writes a stored base profile back. What was deleted meanwhile (an extension, a group, a layout
 * of the base profile) is left out and named in the answer, so the restore never fails.
 */
export async function restoreProfile(q: Query, deviceId: number, p: BaseProfile): Promise<string[]> {
  const exts = await existing(q, "extensions", [...p.lines.map((l) => l.extensionId), ...p.keys.flatMap((k) => (k.targetExtensionId === null ? [] : [k.targetExtensionId]))]);
  const groups = await existing(q, "extensionGroups", p.groupKeys.map((k) => k.groupId));
  const layouts = await existing(q, "keyLayouts", p.layoutId === null ? [] : [p.layoutId]);
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
  await clear(q, deviceId);
  await write(q, deviceId, kept);
  return dropped;
}

/** The hot-desk key: a feature key dialling the tenant's code, rendered like every feature key. */
function hotDeskKey(keyIndex: number, signedIn: boolean): BaseProfile["keys"][number] {
  return signedIn
    ? { keyIndex, kind: "feature", label: SIGN_OUT_LABEL, lineIndex: 1, targetExtensionId: null, value: "hot_desk_release" }
    : { keyIndex, kind: "feature", label: SIGN_IN_LABEL, lineIndex: 1, targetExtensionId: null, value: "hot_desk_sign_in" };
}

/** Puts the hot-desk key in its slot (replacing what the slot had among the device's own keys). */
export async function placeHotDeskKey(q: Query, deviceId: number, keyIndex: number | null, signedIn: boolean): Promise<void> {
  if (keyIndex === null) return;
  const { deviceKeys, deviceGroupKeys } = q.t;
  await q.db.delete(deviceKeys).where(and(eq(deviceKeys.deviceId, deviceId), eq(deviceKeys.keyIndex, keyIndex)));
  await q.db.delete(deviceGroupKeys).where(and(eq(deviceGroupKeys.deviceId, deviceId), eq(deviceGroupKeys.keyIndex, keyIndex)));
  await q.db.insert(deviceKeys).values({ deviceId, ...hotDeskKey(keyIndex, signedIn) });
}

/**
 * The signed-in profile: the person's extension on line 1 and, when their hot-desk profile names
 * a key layout, that layout instead of the device's keys; otherwise the device's keys stay, bound
 * to line 1 (the only line now), its line keys of other lines dropped. Then the Sign out key.
 */
export async function applyPersonProfile(q: Query, device: DeviceRow, base: BaseProfile, extensionId: number, layoutId: number | null, keyIndex: number | null): Promise<void> {
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
  await clear(q, device.id);
  await write(q, device.id, person);
  await placeHotDeskKey(q, device.id, keyIndex, true);
  await assertKeysFit(q, [device.id], "extension");
}
