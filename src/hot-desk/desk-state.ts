import { and, asc, eq, isNotNull } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { DeviceRow } from "../db/rows.ts";
import { conflict, notFound } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadDevice } from "../services/devices.ts";
import { loadTenant } from "../services/tenants.ts";
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

export async function storedDesk(q: Query, deviceId: number): Promise<HotDeskRow | undefined> {
  return first(await q.db.select().from(q.t.hotDesks).where(eq(q.t.hotDesks.deviceId, deviceId)).limit(1));
}

/** The device's desk: stored (enabled, or someone signed in), else the free desk of its tenant's default. */
export async function deskOf(q: Query, deviceId: number): Promise<HotDeskRow | undefined> {
  return (await storedDesk(q, deviceId)) ?? (await defaultDesk(q, deviceId));
}

const tenantNameOf = async (q: Query, tenantId: number) => first(await q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.id, tenantId)).limit(1))!.name;

/** Why a device is no hot desk, and how to make it one. */
async function notADesk(q: Query, device: DeviceRow): Promise<string> {
  const how = `enable it first (phonehome hot-desk enable ${device.mac}, or POST /api/v1/devices/${device.mac}/hot-desk)`;
  return (await isOptedOut(q, device.id))
    ? `device ${device.mac} is not a hot desk: it was disabled (hot-desk disable), which keeps it out of its tenant's hot-desk default too; ${how}`
    : `device ${device.mac} is not a hot desk: ${how}, or make its model a hot desk by default (phonehome hot-desk default add --tenant ${await tenantNameOf(q, device.tenantId)} ${device.model})`;
}

export async function requireDesk(q: Query, device: DeviceRow): Promise<HotDeskRow> {
  const desk = await deskOf(q, device.id);
  if (!desk) throw conflict(await notADesk(q, device));
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

export async function presentDesk(q: Query, desk: HotDeskRow): Promise<HotDeskView> {
  const { devices, tenants, extensions } = q.t;
  const row = first(
    await q.db
      .select({ device: devices, tenant: tenants })
      .from(devices)
      .innerJoin(tenants, eq(tenants.id, devices.tenantId))
      .where(eq(devices.id, desk.deviceId))
      .limit(1),
  )!;
  const ext = desk.extensionId === null ? null : (first(await q.db.select().from(extensions).where(eq(extensions.id, desk.extensionId)).limit(1)) ?? null);
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
    signOutDueAt: signedIn && desk.signedInAt !== null ? iso(signOutDueAt(await rulesOf(q, desk.tenantId), row.tenant.timeZone, desk.signedInAt)) : null,
    source: desk.origin === "default" ? "tenant-default" : "device",
  };
}

export function listHotDesks(deps: ServiceDeps, tenantName?: string): Promise<HotDeskView[]> {
  return deps.data.read(async (q) => {
    const tenant = tenantName === undefined ? null : await loadTenant(q, tenantName);
    const stored = await q.db.select().from(q.t.hotDesks).where(tenant ? eq(q.t.hotDesks.tenantId, tenant.id) : undefined);
    const views: HotDeskView[] = [];
    for (const d of [...stored, ...(await freeDefaultDesks(q, tenant?.id ?? null))]) views.push(await presentDesk(q, d));
    return views.sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  });
}

/** A device's desk; 404 when the device is no hot desk (saying how to make it one). */
export function getHotDesk(deps: ServiceDeps, mac: string): Promise<HotDeskView> {
  return deps.data.read(async (q) => {
    const device = await loadDevice(q, mac);
    const desk = await deskOf(q, device.id);
    if (!desk) throw notFound(await notADesk(q, device));
    return presentDesk(q, desk);
  });
}

/** Desks an extension is signed in at (its hot-desk state). */
export async function desksOfExtension(q: Query, extensionId: number): Promise<string[]> {
  const { hotDesks, devices } = q.t;
  const rows = await q.db
    .select({ mac: devices.mac })
    .from(hotDesks)
    .innerJoin(devices, eq(devices.id, hotDesks.deviceId))
    .where(and(eq(hotDesks.extensionId, extensionId), isNotNull(hotDesks.baseProfile)))
    .orderBy(asc(devices.mac));
  return rows.map((r) => r.mac);
}

/** Devices a change of this desk or person may touch: planned for NOTIFY before the change. */
export async function candidates(q: Query, deviceId: number, extensionId: number | null): Promise<number[]> {
  const ids = new Set([deviceId]);
  if (extensionId !== null) for (const d of await q.db.select().from(q.t.hotDesks).where(eq(q.t.hotDesks.extensionId, extensionId))) ids.add(d.deviceId);
  return [...ids];
}
