import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { DeviceRow } from "../db/rows.ts";
import { devices } from "../db/schema.ts";
import type { Mac } from "../domain/mac.ts";
import type { ServiceDeps } from "./deps.ts";
import { noDevice, requireMac } from "./devices.ts";

/**
 * The synchronous readers of src/services/devices.ts (SQLite only, `deps.db` or a `tx`), for the
 * callers that are not on the asynchronous handle yet: the demo server's test helper
 * (test/helpers/demo-server.ts), which previews a device's file through the synchronous renderer,
 * until the request path moves (docs/scale-out.md#status). The same
 * queries as the asynchronous form, the same messages (imported from it).
 */

function findDeviceSync(db: Db, mac: Mac): DeviceRow | undefined {
  return db.select().from(devices).where(eq(devices.mac, mac)).get();
}

export function getDeviceSync(deps: Pick<ServiceDeps, "db">, macInput: string): DeviceRow {
  const mac = requireMac(macInput);
  const row = findDeviceSync(deps.db, mac);
  if (!row) throw noDevice(mac);
  return row;
}
