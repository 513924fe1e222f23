import { and, eq, isNull } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { hotDesks } from "../db/schema.ts";

/**
 * Which devices are hot desks by their tenant's default for their model (hot_desk_defaults), read
 * when asked rather than copied into hot_desks: a device created, claimed, imported or moved later
 * is one at once, with nothing to keep in step. A free default desk has no hot_desks row; signing
 * in writes one (origin `default`) to hold the person and the base profile, signing out deletes it.
 */

export type HotDeskRow = typeof hotDesks.$inferSelect;

const covering = (q: Query) => {
  const { devices, hotDeskDefaults } = q.t;
  return q.db
    .select({ device: devices, since: hotDeskDefaults.createdAt })
    .from(devices)
    .innerJoin(hotDeskDefaults, and(eq(hotDeskDefaults.tenantId, devices.tenantId), eq(hotDeskDefaults.vendor, devices.vendor), eq(hotDeskDefaults.model, devices.model)));
};

/** When the device's tenant makes its model a hot desk by default: since when; else null. */
export async function defaultSince(q: Query, deviceId: number): Promise<number | null> {
  return first(await covering(q).where(eq(q.t.devices.id, deviceId)).limit(1))?.since ?? null;
}

export async function isOptedOut(q: Query, deviceId: number): Promise<boolean> {
  const o = q.t.hotDeskOptOuts;
  return first(await q.db.select().from(o).where(eq(o.deviceId, deviceId)).limit(1)) !== undefined;
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
export async function defaultDesk(q: Query, deviceId: number): Promise<HotDeskRow | undefined> {
  const row = first(await covering(q).where(eq(q.t.devices.id, deviceId)).limit(1));
  if (!row || (await isOptedOut(q, deviceId))) return undefined;
  return freeDefaultDesk(row.device.id, row.device.tenantId, row.since);
}

/** Every free default desk (of one tenant, or all): covered, not opted out, no hot_desks row. */
export async function freeDefaultDesks(q: Query, tenantId: number | null): Promise<HotDeskRow[]> {
  const { devices, hotDesks, hotDeskOptOuts } = q.t;
  const rows = await covering(q)
    .leftJoin(hotDesks, eq(hotDesks.deviceId, devices.id))
    .leftJoin(hotDeskOptOuts, eq(hotDeskOptOuts.deviceId, devices.id))
    .where(and(isNull(hotDesks.deviceId), isNull(hotDeskOptOuts.deviceId), tenantId === null ? undefined : eq(devices.tenantId, tenantId)));
  return rows.map((r) => freeDefaultDesk(r.device.id, r.device.tenantId, r.since));
}
