import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { DeviceRow, ExtensionRow, LayoutRow } from "../db/rows.ts";
import { devices, extensions, keyLayouts } from "../db/schema.ts";
import type { Mac } from "../domain/mac.ts";
import type { ServiceDeps } from "./deps.ts";
import { noDevice, requireMac, unknownTenantExtension } from "./devices.ts";

/**
 * The synchronous readers of src/services/devices.ts (SQLite only, `deps.db` or a `tx`), for the
 * callers that are not on the asynchronous handle yet and read devices inside their synchronous
 * transactions: the registration and force-unregister passes (src/registrations/), hot-desk
 * (src/hot-desk/), until they move (docs/scale-out.md#status). The same
 * queries as the asynchronous form, the same messages (imported from it).
 */

export function findDeviceSync(db: Db, mac: Mac): DeviceRow | undefined {
  return db.select().from(devices).where(eq(devices.mac, mac)).get();
}

export function getDeviceSync(deps: Pick<ServiceDeps, "db">, macInput: string): DeviceRow {
  const mac = requireMac(macInput);
  const row = findDeviceSync(deps.db, mac);
  if (!row) throw noDevice(mac);
  return row;
}

/** tenantExtension (src/services/devices.ts) inside a synchronous transaction (hot-desk sign-in). */
export function tenantExtensionSync(db: Db, tenantId: number, number: string, field: string): ExtensionRow {
  const ext = db.select().from(extensions).where(and(eq(extensions.tenantId, tenantId), eq(extensions.number, number))).get();
  if (!ext) throw unknownTenantExtension(number, field);
  return ext;
}

/** findLayout (src/services/key-layouts.ts) inside a synchronous transaction (a hot-desk person's profile). */
export function findLayoutSync(db: Db, tenantId: number, name: string): LayoutRow | undefined {
  return db.select().from(keyLayouts).where(and(eq(keyLayouts.tenantId, tenantId), eq(keyLayouts.name, name))).get();
}
