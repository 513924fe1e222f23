import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { extensionAllowedDevices } from "../db/schema.ts";
import { invalidInput } from "../errors.ts";
import { lineRefusalFor } from "./endpoint-policy.ts";
import { loadSettingsSync } from "./extension-settings/store-sync.ts";

/**
 * assertExtensionAllowedOnDevice of src/services/endpoint-policy.ts inside a synchronous
 * transaction, for the hot-desk sign-in (src/hot-desk/desks.ts) until it moves
 * (docs/scale-out.md#status). The rule and its message are endpoint-policy.ts's.
 */
export function assertExtensionAllowedOnDeviceSync(db: Db, ext: Pick<ExtensionRow, "id" | "number">, device: { id: number; mac: string }, field: string): void {
  const ip = loadSettingsSync(db, ext).allowedEndpoints.ipPhone;
  const listed = () =>
    db
      .select({ d: extensionAllowedDevices.deviceId })
      .from(extensionAllowedDevices)
      .where(and(eq(extensionAllowedDevices.extensionId, ext.id), eq(extensionAllowedDevices.deviceId, device.id)))
      .get() !== undefined;
  const reason = lineRefusalFor(ext.number, ip, device.mac, listed);
  if (reason) throw invalidInput(`${field}: ${reason}`);
}
