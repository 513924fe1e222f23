import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { extensionAllowedDevices } from "../db/schema.ts";
import { invalidInput } from "../errors.ts";
import type { ExtensionRow } from "./extensions.ts";
import { loadSettings, type ExtensionSettings } from "./extension-settings/store.ts";

/**
 * Rules that follow from an extension's settings and that other writers must respect: whether a
 * device may carry the extension on a line (allowed endpoints, IP phone) and whether a BLF key may
 * watch it (presence, monitoring). Used by device lines, keys, layouts and the bulk importer.
 */

/** Why `device` may not carry `ext` on a line, or null when it may. */
export function lineRefusal(db: Db, ext: Pick<ExtensionRow, "id" | "number">, deviceId: number, mac: string): string | null {
  const ip = loadSettings(db, ext).allowedEndpoints.ipPhone;
  if (!ip.allowed) return `extension ${ext.number} is not allowed on IP phones (allowed endpoints: ipPhone off)`;
  if (!ip.restricted) return null;
  const listed = db
    .select({ d: extensionAllowedDevices.deviceId })
    .from(extensionAllowedDevices)
    .where(and(eq(extensionAllowedDevices.extensionId, ext.id), eq(extensionAllowedDevices.deviceId, deviceId)))
    .get();
  return listed ? null : `extension ${ext.number} is not allowed on device ${mac} (allowed endpoints: ipPhone.devices does not list it)`;
}

/** Throws 400 `field: reason` when the device may not carry the extension. */
export function assertExtensionAllowedOnDevice(
  db: Db,
  ext: Pick<ExtensionRow, "id" | "number">,
  device: { id: number; mac: string },
  field: string,
): void {
  const reason = lineRefusal(db, ext, device.id, device.mac);
  if (reason) throw invalidInput(`${field}: ${reason}`);
}

/** Why a BLF key may not watch an extension with these settings, or null. */
export function blfRefusalFor(number: string, s: Pick<ExtensionSettings, "numberSettings" | "monitoring">): string | null {
  if (!s.numberSettings.presence) return `extension ${number} may not be monitored (number settings: presence off)`;
  if (!s.monitoring.allowMonitoring) return `extension ${number} does not allow its calls to be monitored (monitoring: allowMonitoring off)`;
  return null;
}

export function blfRefusal(db: Db, ext: Pick<ExtensionRow, "id" | "number">): string | null {
  return blfRefusalFor(ext.number, loadSettings(db, ext));
}
