import { writeTransaction } from "../db/client.ts";
import { conflict } from "../errors.ts";
import { openBootstrapWindow } from "../provisioning/bootstrap.ts";
import { hotQueries } from "../provisioning/hot-queries.ts";
import { auditChange, currentActor } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { getDeviceSync } from "./devices-sync.ts";

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
export function openBootstrapFromLastContact(deps: ServiceDeps, macInput: string): BootstrapWindowView {
  const device = getDeviceSync(deps, macInput);
  const tenant = hotQueries(deps.db).tenantRow(device.tenantId)!;
  if (!tenant.zeroTouch) throw conflict(`tenant ${tenant.name} has zeroTouch off; set it with PATCH /tenants/${tenant.name} {"zeroTouch": true}`);
  const last = deps.db.$client
    .prepare("select source_ip as sourceIp from fetch_log where device_id = ? and transport in ('http', 'https') order by at desc, id desc limit 1")
    .get(device.id) as { sourceIp: string } | undefined;
  if (!last) throw conflict(`${device.mac} has not called in over HTTP yet; power it on, let it ask for its file once, then open the window`);
  const now = deps.clock().getTime();
  const seconds = tenant.zeroTouchWindowSeconds;
  writeTransaction(deps.db, (tx) => {
    openBootstrapWindow(tx, { deviceId: device.id, tenantId: tenant.id, sourceIp: last.sourceIp, now, seconds, openedBy: currentActor(), reason: "manual" });
    auditChange(tx, deps, { action: "device.bootstrap_open", target: `device:${device.mac}`, tenantId: tenant.id, mac: device.mac, after: { sourceIp: last.sourceIp, seconds } });
  });
  return { mac: device.mac, sourceIp: last.sourceIp, expiresAt: new Date(now + seconds * 1000).toISOString() };
}
