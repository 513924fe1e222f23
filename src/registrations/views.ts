import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Query } from "../db/data.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { loadDevice } from "../services/devices.ts";
import { loadExtension } from "../services/extensions.ts";
import { loadTenant } from "../services/tenants.ts";
import { deviceDrift } from "./drift.ts";
import { effectiveState } from "./state.ts";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface RegistrationFilter {
  readonly tenant?: string;
  readonly extension?: string;
  readonly mac?: string;
}

/** Registration bindings, newest event first, with the state a reader should see (expiry applied). */
export function listRegistrations(deps: ServiceDeps, filter: RegistrationFilter = {}) {
  return deps.data.read((q) => registrationsIn(q, deps.clock().getTime(), filter));
}

async function registrationsIn(q: Query, now: number, filter: RegistrationFilter) {
  const { registrations, tenants, extensions, devices } = q.t;
  const where: SQL[] = [];
  if (filter.tenant !== undefined) where.push(eq(registrations.tenantId, (await loadTenant(q, filter.tenant)).id));
  if (filter.tenant !== undefined && filter.extension !== undefined) where.push(eq(registrations.extensionId, (await loadExtension(q, filter.tenant, filter.extension)).id));
  if (filter.mac !== undefined) where.push(eq(registrations.deviceId, (await loadDevice(q, filter.mac)).id));
  const rows = await q.db
    .select({ r: registrations, tenant: tenants.name, extension: extensions.number, mac: devices.mac })
    .from(registrations)
    .innerJoin(tenants, eq(tenants.id, registrations.tenantId))
    .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
    .leftJoin(devices, eq(devices.id, registrations.deviceId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(tenants.name), asc(extensions.number), asc(registrations.id));
  return rows.map(({ r, tenant, extension, mac }) => ({
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
export async function deviceStatus(deps: ProvisionDeps, mac: string) {
  const device = await deps.data.read((q) => loadDevice(q, mac));
  const drift = await deviceDrift(deps, device);
  const registrations = await listRegistrations(deps, { mac: device.mac });
  return {
    mac: device.mac,
    lastSeenAt: iso(device.lastSeenAt),
    lastIp: device.lastIp,
    registered: registrations.some((r) => r.state === "registered"),
    registrations,
    config: { state: drift.state, files: drift.files.map((f) => ({ ...f, fetchedAt: iso(f.fetchedAt) })) },
  };
}

/** One extension: every binding, and whether any is registered. */
export function extensionStatus(deps: ServiceDeps, tenant: string, number: string) {
  return deps.data.read(async (q) => {
    await loadExtension(q, tenant, number);
    const regs = await registrationsIn(q, deps.clock().getTime(), { tenant, extension: number });
    return { tenant, extension: number, registered: regs.some((r) => r.state === "registered"), registrations: regs };
  });
}
