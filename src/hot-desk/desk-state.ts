import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { devices, extensions, hotDesks, tenants } from "../db/schema.ts";
import type { DeviceRow } from "../db/rows.ts";
import { conflict, notFound } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { getDeviceSync } from "../services/devices-sync.ts";
import { getTenant } from "../services/tenants.ts";
import { defaultDesk, freeDefaultDesks, isOptedOut, type HotDeskRow } from "./default-desks.ts";
import { rulesOf, signOutDueAt } from "./rules.ts";

/** Which desk a device is, and what the API and the CLI show of desks (docs/hot-desking.md). */

export type { HotDeskRow };

export interface HotDeskView {
  readonly mac: string;
  readonly tenant: string;
  readonly model: string;
  readonly label: string | null;
  /** Key slot of the Sign in / Sign out key; null = none. */
  readonly key: number | null;
  readonly state: "free" | "signed-in";
  readonly extension: string | null;
  readonly displayName: string | null;
  readonly signedInAt: string | null;
  readonly signedInVia: string | null;
  /** When the tenant's rules sign this person out; null = not signed in or no rule. */
  readonly signOutDueAt: string | null;
  /** device: `hot-desk enable`; tenant-default: its model is a hot desk by the tenant's default. */
  readonly source: "device" | "tenant-default";
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const howToSignOut = (mac: string) => `phonehome hot-desk sign-out ${mac}, or POST /api/v1/devices/${mac}/hot-desk/sign-out`;

export const storedDesk = (db: Db, deviceId: number): HotDeskRow | undefined => db.select().from(hotDesks).where(eq(hotDesks.deviceId, deviceId)).get();

/** The device's desk: stored (enabled, or someone signed in), else the free desk of its tenant's default. */
export function deskOf(db: Db, deviceId: number): HotDeskRow | undefined {
  return storedDesk(db, deviceId) ?? defaultDesk(db, deviceId);
}

const tenantNameOf = (db: Db, tenantId: number) => db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId)).get()!.name;

/** Why a device is no hot desk, and how to make it one. */
function notADesk(db: Db, device: DeviceRow): string {
  const how = `enable it first (phonehome hot-desk enable ${device.mac}, or POST /api/v1/devices/${device.mac}/hot-desk)`;
  return isOptedOut(db, device.id)
    ? `device ${device.mac} is not a hot desk: it was disabled (hot-desk disable), which keeps it out of its tenant's hot-desk default too; ${how}`
    : `device ${device.mac} is not a hot desk: ${how}, or make its model a hot desk by default (phonehome hot-desk default add --tenant ${tenantNameOf(db, device.tenantId)} ${device.model})`;
}

export function requireDesk(db: Db, device: DeviceRow): HotDeskRow {
  const desk = deskOf(db, device.id);
  if (!desk) throw conflict(notADesk(db, device));
  return desk;
}

/**
 * Edits of a signed-in desk's lines or keys are refused: they would land on the person's profile
 * and vanish at sign-out. Called by the device line, key and layout services inside their
 * `data.write`. Only a stored desk can have someone signed in (a free default desk has no row).
 */
export async function refuseWhileSignedIn(q: Query, device: { id: number; mac: string }, what: string): Promise<void> {
  const { hotDesks: h, extensions: e } = q.t;
  const desk = first(await q.db.select().from(h).where(eq(h.deviceId, device.id)).limit(1));
  if (!desk || desk.baseProfile === null) return;
  const ext = desk.extensionId === null ? undefined : first(await q.db.select().from(e).where(eq(e.id, desk.extensionId)).limit(1));
  throw conflict(
    `${what}: device ${device.mac} is a hot desk and ${ext ? `extension ${ext.number}` : "someone"} is signed in, so its lines and keys are theirs for now; ` +
      `sign them out first (${howToSignOut(device.mac)}), then edit the device's own profile`,
  );
}

export function presentDesk(db: Db, desk: HotDeskRow): HotDeskView {
  const row = db
    .select({ device: devices, tenant: tenants })
    .from(devices)
    .innerJoin(tenants, eq(tenants.id, devices.tenantId))
    .where(eq(devices.id, desk.deviceId))
    .get()!;
  const ext = desk.extensionId === null ? null : db.select().from(extensions).where(eq(extensions.id, desk.extensionId)).get() ?? null;
  const signedIn = desk.baseProfile !== null;
  return {
    mac: row.device.mac,
    tenant: row.tenant.name,
    model: row.device.model,
    label: row.device.label,
    key: desk.keyIndex,
    state: signedIn ? "signed-in" : "free",
    extension: ext?.number ?? null,
    displayName: ext?.displayName ?? null,
    signedInAt: iso(desk.signedInAt),
    signedInVia: desk.signedInVia,
    signOutDueAt: signedIn && desk.signedInAt !== null ? iso(signOutDueAt(rulesOf(db, desk.tenantId), row.tenant.timeZone, desk.signedInAt)) : null,
    source: desk.origin === "default" ? "tenant-default" : "device",
  };
}

export function listHotDesks(deps: ServiceDeps, tenantName?: string): HotDeskView[] {
  const tenant = tenantName === undefined ? null : getTenant(deps, tenantName);
  const stored = deps.db.select().from(hotDesks).where(tenant ? eq(hotDesks.tenantId, tenant.id) : undefined).all();
  return [...stored, ...freeDefaultDesks(deps.db, tenant?.id ?? null)].map((d) => presentDesk(deps.db, d)).sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
}

/** A device's desk; 404 when the device is no hot desk (saying how to make it one). */
export function getHotDesk(deps: ServiceDeps, mac: string): HotDeskView {
  const device = getDeviceSync(deps, mac);
  const desk = deskOf(deps.db, device.id);
  if (!desk) throw notFound(notADesk(deps.db, device));
  return presentDesk(deps.db, desk);
}

/** Desks an extension is signed in at (its hot-desk state). */
export function desksOfExtension(db: Db, extensionId: number): string[] {
  return db
    .select({ mac: devices.mac })
    .from(hotDesks)
    .innerJoin(devices, eq(devices.id, hotDesks.deviceId))
    .where(and(eq(hotDesks.extensionId, extensionId), isNotNull(hotDesks.baseProfile)))
    .orderBy(asc(devices.mac))
    .all()
    .map((r) => r.mac);
}

/** Devices a change of this desk or person may touch: planned for NOTIFY before the change. */
export function candidates(db: Db, deviceId: number, extensionId: number | null): number[] {
  const ids = new Set([deviceId]);
  if (extensionId !== null) for (const d of db.select().from(hotDesks).where(eq(hotDesks.extensionId, extensionId)).all()) ids.add(d.deviceId);
  return [...ids];
}
