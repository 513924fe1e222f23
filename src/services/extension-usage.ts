import { and, asc, eq, inArray } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { DeviceRow } from "../db/rows.ts";
import { devicesUsingGroup } from "./key-expansion.ts";

/**
 * "Which phones show extension X?", answered once. A phone shows an extension on a line of its
 * own, on a BLF key of its own, through its key layout's BLF key, or through a BLF-to-group key
 * (its own or its layout's) of a group the extension is in.
 */
export interface ExtensionShownOn {
  readonly device: DeviceRow;
  /** On one of the device's lines. */
  readonly line: boolean;
  /** Watched by one of the device's own BLF keys. */
  readonly key: boolean;
  /** Through what the device shares: its layout's BLF key, or a group key. */
  readonly shared: boolean;
}

function idsOf(rows: { id: number }[]): Set<number> {
  return new Set(rows.map((r) => r.id));
}

/** Every device that shows the extension now, ordered by MAC. */
export async function devicesShowingExtensionIn(q: Query, extensionId: number): Promise<ExtensionShownOn[]> {
  const { deviceLines: dl, deviceKeys: dk, devices: d } = q.t;
  const onLines = idsOf(await q.db.selectDistinct({ id: dl.deviceId }).from(dl).where(eq(dl.extensionId, extensionId)));
  const onKeys = idsOf(await q.db.selectDistinct({ id: dk.deviceId }).from(dk).where(eq(dk.targetExtensionId, extensionId)));
  const shared = new Set(await devicesSharingExtensionIn(q, extensionId));
  const ids = [...new Set([...onLines, ...onKeys, ...shared])];
  if (!ids.length) return [];
  const rows = await q.db.select().from(d).where(inArray(d.id, ids)).orderBy(d.mac);
  return rows.map((device) => ({ device, line: onLines.has(device.id), key: onKeys.has(device.id), shared: shared.has(device.id) }));
}

async function devicesSharingExtensionIn(q: Query, extensionId: number): Promise<number[]> {
  const { keyLayoutKeys: lk, deviceKeyLayouts: dl, extensionGroupMembers: gm } = q.t;
  const viaLayouts = await q.db.selectDistinct({ id: dl.deviceId }).from(lk).innerJoin(dl, eq(dl.layoutId, lk.layoutId)).where(eq(lk.targetExtensionId, extensionId));
  const groups = await q.db.select({ g: gm.groupId }).from(gm).where(eq(gm.extensionId, extensionId));
  const viaGroups: number[] = [];
  for (const r of groups) viaGroups.push(...(await devicesUsingGroup(q, r.g)));
  return [...new Set([...viaLayouts.map((r) => r.id), ...viaGroups])];
}

/** Key layouts with a BLF key watching the extension, by name. */
export async function layoutsWatchingExtensionIn(q: Query, extensionId: number): Promise<string[]> {
  const { keyLayoutKeys: lk, keyLayouts: kl } = q.t;
  const rows = await q.db.selectDistinct({ name: kl.name }).from(lk).innerJoin(kl, eq(kl.id, lk.layoutId)).where(eq(lk.targetExtensionId, extensionId)).orderBy(kl.name);
  return rows.map((r) => r.name);
}

/** What `removeExtensionFromPhonesIn` took the extension out of, besides the phones' own lines and keys: for the audit log. */
export interface Removed {
  readonly groups: string[];
  readonly keyLayouts: { layout: string; index: number }[];
}

/**
 * Takes the extension out of everything that shows it, so no phone's next config shows it (no
 * line, no BLF): the phones' lines (with their line keys) and BLF keys, key layouts' BLF keys, and
 * group memberships. Returns the layout keys and groups it left, for the audit log, so an
 * operator can put it back. Runs inside the caller's `data.write` (extension delete, force-unregister).
 */
export async function removeExtensionFromPhonesIn(q: Query, extensionId: number, now: number): Promise<Removed> {
  const { deviceLines: dl, deviceKeys: dk, keyLayoutKeys: lk, keyLayouts: kl, extensionGroupMembers: gm } = q.t;
  const lines = await q.db.select().from(dl).where(eq(dl.extensionId, extensionId));
  for (const l of lines) await q.db.delete(dk).where(and(eq(dk.deviceId, l.deviceId), eq(dk.kind, "line"), eq(dk.lineIndex, l.lineIndex)));
  await q.db.delete(dl).where(eq(dl.extensionId, extensionId));
  await q.db.delete(dk).where(eq(dk.targetExtensionId, extensionId));
  const layoutKeys = await q.db
    .select({ id: kl.id, layout: kl.name, key: lk.keyIndex })
    .from(lk)
    .innerJoin(kl, eq(kl.id, lk.layoutId))
    .where(eq(lk.targetExtensionId, extensionId))
    .orderBy(kl.name, lk.keyIndex);
  await q.db.delete(lk).where(eq(lk.targetExtensionId, extensionId));
  const touched = [...new Set(layoutKeys.map((k) => k.id))];
  if (touched.length) await q.db.update(kl).set({ updatedAt: now }).where(inArray(kl.id, touched));
  // Leaving a group only shrinks the expansions of the phones watching it: nothing can stop fitting.
  const groups = await extensionGroupNamesIn(q, extensionId);
  await q.db.delete(gm).where(eq(gm.extensionId, extensionId));
  return { groups, keyLayouts: layoutKeys.map(({ layout, key }) => ({ layout, index: key })) };
}

/** The groups an extension belongs to, by name (the extension's Groups pop-up; groups.ts replaces the list). */
export async function extensionGroupNamesIn(q: Query, extensionId: number): Promise<string[]> {
  const { extensionGroupMembers: gm, extensionGroups: g } = q.t;
  const rows = await q.db.select({ name: g.name }).from(gm).innerJoin(g, eq(g.id, gm.groupId)).where(eq(gm.extensionId, extensionId)).orderBy(asc(g.name));
  return rows.map((r) => r.name);
}
