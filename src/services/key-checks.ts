import { asc, inArray } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { DeviceRow } from "../db/rows.ts";
import type { Expansion } from "../domain/key-expansion.ts";
import { invalidInput } from "../errors.ts";
import { keyLimitsOf } from "./device-rules.ts";
import { expandDeviceKeys, readDeviceKeys } from "./key-expansion.ts";

/**
 * Re-checks the effective keys of devices after a write that changes them indirectly (a layout,
 * a group's members, a device's layout or keys). Called inside the write transaction: a problem
 * throws, and the transaction rolls back.
 */
export async function assertKeysFit(q: Query, deviceIds: readonly number[], context: string): Promise<void> {
  if (!deviceIds.length) return;
  const { devices } = q.t;
  const rows = await q.db.select().from(devices).where(inArray(devices.id, [...deviceIds])).orderBy(asc(devices.mac));
  for (const d of rows) {
    // Plain keys were checked by their writer; only layouts and group keys can overflow or collide.
    const read = await readDeviceKeys(q, d.id);
    if (!read.composed) continue;
    refuseMisfit(context, d, await expandDeviceKeys(q, d, keyLimitsOf(d), read));
  }
}

/** The refusal of a device whose effective keys do not fit: the first problem, under `context`. */
function refuseMisfit(context: string, device: Pick<DeviceRow, "mac">, expansion: Expansion): void {
  if (expansion.problems.length) throw invalidInput(`${context}: on device ${device.mac}, ${expansion.problems[0]}`);
}
