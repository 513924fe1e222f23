import { and, desc, eq, inArray } from "drizzle-orm";
import { first } from "../db/data.ts";
import { conflict } from "../errors.ts";
import { openBootstrapWindowIn } from "../provisioning/bootstrap.ts";
import { auditChangeIn, currentActor } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadDevice } from "./devices.ts";

export interface BootstrapWindowView {
  readonly mac: string;
  readonly sourceIp: string;
  readonly expiresAt: string;
}

/**
 * Opens a zero-touch window for a device that already exists (imported before it ever called in):
 * bound to the address its last HTTP(S) request came from, as the fetch log recorded it. Refused
 * when the tenant has zeroTouch off or the phone has not called in over HTTP(S).
 */
// Reads the device, its tenant's zeroTouch and its last contact, then opens the window with its
// audit row: serializable on PostgreSQL (the default), so the window opens on what was checked.
export async function openBootstrapFromLastContact(deps: ServiceDeps, macInput: string): Promise<BootstrapWindowView> {
  const now = deps.clock().getTime();
  return deps.data.write(async (q) => {
    const { tenants: t, fetchLog: f } = q.t;
    const device = await loadDevice(q, macInput);
    const tenant = first(await q.db.select().from(t).where(eq(t.id, device.tenantId)).limit(1))!;
    if (!tenant.zeroTouch) throw conflict(`tenant ${tenant.name} has zeroTouch off; set it with PATCH /tenants/${tenant.name} {"zeroTouch": true}`);
    const last = first(
      await q.db
        .select({ sourceIp: f.sourceIp })
        .from(f)
        .where(and(eq(f.deviceId, device.id), inArray(f.transport, ["http", "https"])))
        .orderBy(desc(f.at), desc(f.id))
        .limit(1),
    );
    if (!last) throw conflict(`${device.mac} has not called in over HTTP yet; power it on, let it ask for its file once, then open the window`);
    const seconds = tenant.zeroTouchWindowSeconds;
    await openBootstrapWindowIn(q, { deviceId: device.id, tenantId: tenant.id, sourceIp: last.sourceIp, now, seconds, openedBy: currentActor(), reason: "manual" });
    await auditChangeIn(q, deps, { action: "device.bootstrap_open", target: `device:${device.mac}`, tenantId: tenant.id, mac: device.mac, after: { sourceIp: last.sourceIp, seconds } });
    return { mac: device.mac, sourceIp: last.sourceIp, expiresAt: new Date(now + seconds * 1000).toISOString() };
  });
}
