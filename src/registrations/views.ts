import { and, asc, eq, type SQL } from "drizzle-orm";
import { devices, extensions, registrations, tenants } from "../db/schema.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import { getDeviceSync } from "../services/devices-sync.ts";
import { getExtension } from "../services/extensions.ts";
import { getTenant } from "../services/tenants.ts";
import { deviceDrift } from "./drift.ts";
import { effectiveState } from "./state.ts";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface RegistrationFilter {
  readonly tenant?: string;
  readonly extension?: string;
  readonly mac?: string;
}

/** Registration bindings, newest event first, with the state a reader should see (expiry applied). */
export function listRegistrations(deps: ProvisionDeps, filter: RegistrationFilter = {}) {
  const where: SQL[] = [];
  if (filter.tenant !== undefined) where.push(eq(registrations.tenantId, getTenant(deps, filter.tenant).id));
  if (filter.tenant !== undefined && filter.extension !== undefined) where.push(eq(registrations.extensionId, getExtension(deps, filter.tenant, filter.extension).id));
  if (filter.mac !== undefined) where.push(eq(registrations.deviceId, getDeviceSync(deps, filter.mac).id));
  const now = deps.clock().getTime();
  return deps.db
    .select({ r: registrations, tenant: tenants.name, extension: extensions.number, mac: devices.mac })
    .from(registrations)
    .innerJoin(tenants, eq(tenants.id, registrations.tenantId))
    .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
    .leftJoin(devices, eq(devices.id, registrations.deviceId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(tenants.name), asc(extensions.number), asc(registrations.id))
    .all()
    .map(({ r, tenant, extension, mac }) => ({
      tenant,
      extension,
      mac,
      state: effectiveState(r, now),
      contact: r.contact,
      source: r.source,
      userAgent: r.userAgent,
      since: iso(r.since),
      expiresAt: iso(r.expiresAt),
      lastEvent: r.lastEvent,
      lastEventSource: r.lastEventSource,
      lastEventAt: iso(r.lastEventAt),
    }));
}

/** One device: its registrations, its last fetch and whether it runs the config it should. */
export function deviceStatus(deps: ProvisionDeps, mac: string) {
  const device = getDeviceSync(deps, mac);
  const drift = deviceDrift(deps, device);
  return {
    mac: device.mac,
    lastSeenAt: iso(device.lastSeenAt),
    lastIp: device.lastIp,
    registered: listRegistrations(deps, { mac: device.mac }).some((r) => r.state === "registered"),
    registrations: listRegistrations(deps, { mac: device.mac }),
    config: { state: drift.state, files: drift.files.map((f) => ({ ...f, fetchedAt: iso(f.fetchedAt) })) },
  };
}

/** One extension: every binding, and whether any is registered. */
export function extensionStatus(deps: ProvisionDeps, tenant: string, number: string) {
  getExtension(deps, tenant, number);
  const regs = listRegistrations(deps, { tenant, extension: number });
  return { tenant, extension: number, registered: regs.some((r) => r.state === "registered"), registrations: regs };
}
