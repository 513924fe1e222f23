import { startPeriodicPass } from "../db/leases.ts";
import { eq, isNotNull } from "drizzle-orm";
import { writeTransaction } from "../db/client.ts";
import { devices, hotDesks, tenants } from "../db/schema.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { SipSettings } from "../registrations/sip-settings.ts";
import { withActor } from "../services/actor.ts";
import { deskOf } from "./desk-state.ts";
import { signOutAt, type DeskChange } from "./desks.ts";
import { notifyChange, type NotifyReport } from "./notify.ts";
import { pinFailuresToPrune, prunePinFailures, type PinLimits } from "./pin-guard.ts";
import { rulesOf, signOutDueAt } from "./rules.ts";

interface Due {
  readonly deviceId: number;
  readonly reason: string;
}

/** Signed-in desks the tenants' rules sign out at `now`, and desks whose person was deleted. */
export function dueSignOuts(deps: ProvisionDeps, now: number): Due[] {
  const rows = deps.db
    .select({ desk: hotDesks, zone: tenants.timeZone })
    .from(hotDesks)
    .innerJoin(tenants, eq(tenants.id, hotDesks.tenantId))
    .where(isNotNull(hotDesks.baseProfile))
    .all();
  const out: Due[] = [];
  for (const { desk, zone } of rows) {
    if (desk.extensionId === null) {
      out.push({ deviceId: desk.deviceId, reason: "automatic: the signed-in extension was deleted" });
      continue;
    }
    const rules = rulesOf(deps.db, desk.tenantId);
    const due = desk.signedInAt === null ? null : signOutDueAt(rules, zone, desk.signedInAt);
    if (due === null || due > now) continue;
    const hours = rules.maxHours !== null && desk.signedInAt! + rules.maxHours * 3_600_000 === due;
    out.push({ deviceId: desk.deviceId, reason: hours ? `automatic: after ${rules.maxHours} h` : `automatic: ${rules.signOutAt} ${zone}` });
  }
  return out;
}

/**
 * One pass of the hoteling rules at `now` (the server runs it every `hotDeskSweepMs`; tests call
 * it with the clock they set): each due desk is signed out in its own transaction, which queues
 * its NOTIFY; they are sent once all are committed.
 */
export function sweepHotDesks(deps: ProvisionDeps, sip: SipSettings, limits: PinLimits): { signedOut: string[]; notify: NotifyReport } {
  const now = deps.clock().getTime();
  const due = dueSignOuts(deps, now);
  const changes: DeskChange[] = [];
  withActor("system", () => {
    for (const d of due) {
      writeTransaction(deps.db, (tx) => {
        const desk = deskOf(tx, d.deviceId);
        // Signed out or in again since the list was read: the next pass decides.
        if (!desk || desk.baseProfile === null) return;
        const device = tx.select().from(devices).where(eq(devices.id, d.deviceId)).get()!;
        changes.push(signOutAt(tx, deps, device, d.reason));
      });
    }
    if (pinFailuresToPrune(deps.db, now, limits)) writeTransaction(deps.db, (tx) => prunePinFailures(tx, now, limits));
  });
  return { signedOut: changes.flatMap((c) => c.changed.map((d) => d.mac)), notify: notifyChange(deps, sip, changes) };
}

/** Runs the sweep every `intervalMs` on the one process that holds its lease (src/db/leases.ts); errors are logged, never thrown. */
export function startHotDeskSweep(deps: ProvisionDeps, sip: SipSettings, limits: PinLimits, intervalMs: number): { stop(): Promise<void> } {
  return startPeriodicPass(deps, {
    name: "hot-desk-sweep",
    intervalMs,
    failure: "hot-desk sweep failed",
    work() {
      const { signedOut, notify } = sweepHotDesks(deps, sip, limits);
      if (signedOut.length) deps.logger.info({ signedOut }, "hot desks signed out by the tenants' rules");
      notify.done.catch((err) => deps.logger.error({ err }, "hot-desk NOTIFY failed"));
    },
  });
}
