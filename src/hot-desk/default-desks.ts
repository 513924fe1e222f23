import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { devices, hotDeskDefaults, hotDeskOptOuts, hotDesks } from "../db/schema.ts";

/**
 * Which devices are hot desks by their tenant's default for their model (hot_desk_defaults), read
 * when asked rather than copied into hot_desks: a device created, claimed, imported or moved later
 * is one at once, with nothing to keep in step. A free default desk has no hot_desks row; signing
 * in writes one (origin `default`) to hold the person and the base profile, signing out deletes it.
 */

export type HotDeskRow = typeof hotDesks.$inferSelect;

const covering = (db: Db) =>
  db
    .select({ device: devices, since: hotDeskDefaults.createdAt })
    .from(devices)
    .innerJoin(hotDeskDefaults, and(eq(hotDeskDefaults.tenantId, devices.tenantId), eq(hotDeskDefaults.vendor, devices.vendor), eq(hotDeskDefaults.model, devices.model)));

/** When the device's tenant makes its model a hot desk by default: since when; else null. */
export function defaultSince(db: Db, deviceId: number): number | null {
  return covering(db).where(eq(devices.id, deviceId)).get()?.since ?? null;
}

export function isOptedOut(db: Db, deviceId: number): boolean {
  return db.select().from(hotDeskOptOuts).where(eq(hotDeskOptOuts.deviceId, deviceId)).get() !== undefined;
}

const freeDefaultDesk = (deviceId: number, tenantId: number, since: number): HotDeskRow => ({
  deviceId,
  tenantId,
  keyIndex: null,
  enabledAt: since,
  extensionId: null,
  signedInAt: null,
  signedInVia: null,
  baseProfile: null,
  origin: "default",
});

/** The free desk a device is by its tenant's default (not stored), or undefined. */
export function defaultDesk(db: Db, deviceId: number): HotDeskRow | undefined {
  const row = covering(db).where(eq(devices.id, deviceId)).get();
  if (!row || isOptedOut(db, deviceId)) return undefined;
  return freeDefaultDesk(row.device.id, row.device.tenantId, row.since);
}

/** Every free default desk (of one tenant, or all): covered, not opted out, no hot_desks row. */
export function freeDefaultDesks(db: Db, tenantId: number | null): HotDeskRow[] {
  return covering(db)
    .leftJoin(hotDesks, eq(hotDesks.deviceId, devices.id))
    .leftJoin(hotDeskOptOuts, eq(hotDeskOptOuts.deviceId, devices.id))
    .where(and(isNull(hotDesks.deviceId), isNull(hotDeskOptOuts.deviceId), tenantId === null ? undefined : eq(devices.tenantId, tenantId)))
    .all()
    .map((r) => freeDefaultDesk(r.device.id, r.device.tenantId, r.since));
}
