import { desc, eq, isNull } from "drizzle-orm";
import { notFound } from "../errors.ts";
import type { ServiceDeps } from "./deps.ts";
import { requireMac } from "./devices.ts";
import type { DiscoveredRow } from "../db/rows.ts";


/** Phones that asked for their files but are not known; newest first. Dismissed ones only on request. */
export function listDiscovered(deps: ServiceDeps, includeDismissed = false): Promise<DiscoveredRow[]> {
  return deps.data.read(async (q) => {
    const rows = q.db.select().from(q.t.discoveredDevices);
    return (includeDismissed ? rows : rows.where(isNull(q.t.discoveredDevices.dismissedAt))).orderBy(desc(q.t.discoveredDevices.lastSeenAt));
  });
}

// One self-locking UPDATE: read committed on PostgreSQL (docs/scale-out.md#transactions).
export async function dismissDiscovered(deps: ServiceDeps, macInput: string): Promise<void> {
  const mac = requireMac(macInput);
  const at = deps.clock().getTime();
  const changed = await deps.data.write(
    (q) => q.db.update(q.t.discoveredDevices).set({ dismissedAt: at }).where(eq(q.t.discoveredDevices.mac, mac)).returning({ mac: q.t.discoveredDevices.mac }),
    { isolation: "read committed" },
  );
  if (changed.length === 0) throw notFound(`no discovered device ${mac}`);
}
