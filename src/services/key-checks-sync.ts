import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { devices } from "../db/schema.ts";
import { keyLimitsOf } from "./device-rules.ts";
import { refuseMisfit } from "./key-checks.ts";
import { expandDeviceKeysSync, readDeviceKeysSync } from "./key-expansion-sync.ts";

/**
 * The synchronous form of assertKeysFit (src/services/key-checks.ts), for writers inside a
 * synchronous writeTransaction: the hot-desk sign-in and desk key (src/hot-desk/), until they move to the asynchronous handle (docs/scale-out.md#status).
 */
export function assertKeysFitSync(tx: Db, deviceIds: readonly number[], context: string): void {
  if (!deviceIds.length) return;
  const rows = tx.select().from(devices).where(inArray(devices.id, [...deviceIds])).orderBy(devices.mac).all();
  for (const d of rows) {
    const read = readDeviceKeysSync(tx, d.id);
    if (!read.composed) continue;
    refuseMisfit(context, d, expandDeviceKeysSync(tx, d, keyLimitsOf(d), read));
  }
}
