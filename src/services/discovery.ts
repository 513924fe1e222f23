import { desc, eq, isNull } from "drizzle-orm";
import { discoveredDevices } from "../db/schema.ts";
import { notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { requireMac } from "./devices.ts";
import type { DiscoveredRow } from "../db/rows.ts";


/** Phones that asked for their files but are not known; newest first. Dismissed ones only on request. */
export function listDiscovered(deps: ServiceDeps, includeDismissed = false): DiscoveredRow[] {
  const q = deps.db.select().from(discoveredDevices);
  return (includeDismissed ? q : q.where(isNull(discoveredDevices.dismissedAt))).orderBy(desc(discoveredDevices.lastSeenAt)).all();
}

export function dismissDiscovered(deps: ServiceDeps, macInput: string): void {
  const mac = requireMac(macInput);
  const r = deps.db
    .update(discoveredDevices)
    .set({ dismissedAt: deps.clock().getTime() })
    .where(eq(discoveredDevices.mac, mac))
    .run();
  if (r.changes === 0) throw notFound(`no discovered device ${mac}`);
}
