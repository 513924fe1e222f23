import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { extensionAllowedDevices } from "../db/schema.ts";
import { invalidInput } from "../errors.ts";
import { lineRefusalFor } from "./endpoint-policy.ts";
import { loadSettings } from "./extension-settings/store.ts";

/**
 * The synchronous forms of src/services/endpoint-policy.ts (SQLite only, `deps.db` or a `tx`), for
 * the writers still on the synchronous handle that check a line inside their transactions: the
 * extension settings' allowed endpoints (src/services/extension-settings/sections.ts) and the
 * hot-desk sign-in (src/hot-desk/desks.ts), until they move (docs/scale-out.md#status). The rule
 * and its messages are endpoint-policy.ts's.
 */

/** Whether `deviceId` is in the extension's list of allowed devices. */
function deviceListed(db: Db, extensionId: number, deviceId: number): boolean {
  const row = db
    .select({ d: extensionAllowedDevices.deviceId })
    .from(extensionAllowedDevices)
    .where(and(eq(extensionAllowedDevices.extensionId, extensionId), eq(extensionAllowedDevices.deviceId, deviceId)))
    .get();
  return row !== undefined;
}

/** Why `device` may not carry `ext` on a line, or null when it may. */
export function lineRefusal(db: Db, ext: Pick<ExtensionRow, "id" | "number">, deviceId: number, mac: string): string | null {
  return lineRefusalFor(ext.number, loadSettings(db, ext).allowedEndpoints.ipPhone, mac, () => deviceListed(db, ext.id, deviceId));
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
