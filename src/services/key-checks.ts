import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { devices } from "../db/schema.ts";
import { invalidInput } from "../errors.ts";
import { keyLimitsOf } from "./device-rules.ts";
import { expandDeviceKeys, readDeviceKeys } from "./key-expansion.ts";

/**
 * Re-checks the effective keys of devices after a write that changes them indirectly (a layout,
 * a group's members, a device's layout or keys). Called inside the write transaction: a problem
 * throws, and the transaction rolls back.
 */
export function assertKeysFit(tx: Db, deviceIds: readonly number[], context: string): void {
  if (!deviceIds.length) return;
  const rows = tx.select().from(devices).where(inArray(devices.id, [...deviceIds])).orderBy(devices.mac).all();
  for (const d of rows) {
    // Plain keys were checked by their writer; only layouts and group keys can overflow or collide.
    const read = readDeviceKeys(tx, d.id);
    if (!read.composed) continue;
    const { problems } = expandDeviceKeys(tx, d, keyLimitsOf(d), read);
    if (problems.length) throw invalidInput(`${context}: on device ${d.mac}, ${problems[0]}`);
  }
}

