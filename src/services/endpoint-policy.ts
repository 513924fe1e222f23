import { and, eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { invalidInput } from "../errors.ts";
import { loadSettingsIn, type StoredEndpoints } from "./extension-settings/store.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { blfRefusalFor, type BlfPolicy } from "../domain/key-expansion.ts";

/**
 * Rules that follow from an extension's settings and that other writers must respect: whether a
 * device may carry the extension on a line (allowed endpoints, IP phone) and whether a BLF key may
 * watch it (presence, monitoring). The rules are pure functions of the settings (`...For`), so the
 * bulk importer applies them to settings it read in bulk; the admin API uses the wrappers that read
 * the settings of one extension (`...In`; the synchronous ones are in endpoint-policy-sync.ts).
 */

/**
 * Why a device may not carry the extension on a line, or null when it may. `listed`: the device is
 * in the extension's `ipPhone.devices` (only asked when that list restricts it).
 */
export function lineRefusalFor(number: string, ip: StoredEndpoints["ipPhone"], mac: string, listed: () => boolean): string | null {
  if (!ip.allowed) return `extension ${number} is not allowed on IP phones (allowed endpoints: ipPhone off)`;
  if (!ip.restricted || listed()) return null;
  return `extension ${number} is not allowed on device ${mac} (allowed endpoints: ipPhone.devices does not list it)`;
}

/** Why `device` may not carry `ext` on a line, or null when it may, in the caller's `q`. */
export async function lineRefusalIn(q: Query, ext: Pick<ExtensionRow, "id" | "number">, deviceId: number, mac: string): Promise<string | null> {
  const { extensionAllowedDevices: a } = q.t;
  const ip = (await loadSettingsIn(q, ext)).allowedEndpoints.ipPhone;
  // Read up front: lineRefusalFor asks synchronously, and only when the list restricts the extension.
  const listed = ip.restricted && first(await q.db.select({ d: a.deviceId }).from(a).where(and(eq(a.extensionId, ext.id), eq(a.deviceId, deviceId))).limit(1)) !== undefined;
  return lineRefusalFor(ext.number, ip, mac, () => listed);
}

/** Throws 400 `field: reason` when the device may not carry the extension, in the caller's `data.write`. */
export async function assertExtensionAllowedOnDeviceIn(
  q: Query,
  ext: Pick<ExtensionRow, "id" | "number">,
  device: { id: number; mac: string },
  field: string,
): Promise<void> {
  const reason = await lineRefusalIn(q, ext, device.id, device.mac);
  if (reason) throw invalidInput(`${field}: ${reason}`);
}

/** The same reason worded for a refused key: `a BLF may not watch extension 103: may not be monitored (...)`. */
export function blfKeyRefusalFor(number: string, s: BlfPolicy): string | null {
  const reason = blfRefusalFor(number, s);
  return reason && `a BLF may not watch ${reason.replace(`extension ${number} `, `extension ${number}: `)}`;
}
