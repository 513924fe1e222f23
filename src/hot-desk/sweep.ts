import { startPeriodicPass } from "../db/leases.ts";
import { eq, isNotNull } from "drizzle-orm";
import { first } from "../db/data.ts";
import type { ProvisionDeps } from "../provisioning/provision.ts";
import type { SipSettings } from "../registrations/sip-settings.ts";
import { withActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { deskOf } from "./desk-state.ts";
import { signOutAtIn, type DeskChange } from "./desks.ts";
import { notifyChange, type NotifyReport } from "./notify.ts";
import { pinFailuresToPrune, prunePinFailuresIn, type PinLimits } from "./pin-guard.ts";
import { rulesOf, signOutDueAt } from "./rules.ts";

interface Due {
  readonly deviceId: number;
  readonly reason: string;
}

/** Signed-in desks the tenants' rules sign out at `now`, and desks whose person was deleted. */
export function dueSignOuts(deps: Pick<ServiceDeps, "data">, now: number): Promise<Due[]> {
  return deps.data.read(async (q) => {
    const { hotDesks, tenants } = q.t;
    const rows = await q.db
      .select({ desk: hotDesks, zone: tenants.timeZone })
      .from(hotDesks)
      .innerJoin(tenants, eq(tenants.id, hotDesks.tenantId))
      .where(isNotNull(hotDesks.baseProfile));
    const out: Due[] = [];
    for (const { desk, zone } of rows) {
      if (desk.extensionId === null) {
        out.push({ deviceId: desk.deviceId, reason: "automatic: the signed-in extension was deleted" });
        continue;
      }
      const rules = await rulesOf(q, desk.tenantId);
      const due = desk.signedInAt === null ? null : signOutDueAt(rules, zone, desk.signedInAt);
      if (due === null || due > now) continue;
      const hours = rules.maxHours !== null && desk.signedInAt! + rules.maxHours * 3_600_000 === due;
      out.push({ deviceId: desk.deviceId, reason: hours ? `automatic: after ${rules.maxHours} h` : `automatic: ${rules.signOutAt} ${zone}` });
    }
    return out;
  });
}

/**
 * One pass of the hoteling rules at `now` (the server runs it every `hotDeskSweepMs`; tests call
 * it with the clock they set): each due desk is signed out in its own transaction (serializable,
 * the default: the desk is read again, then signed out), which queues its NOTIFY; they are sent
 * once all are committed. Old wrong-PIN rows are pruned in one read-committed delete.
 */
export async function sweepHotDesks(deps: ProvisionDeps, sip: SipSettings, limits: PinLimits): Promise<{ signedOut: string[]; notify: NotifyReport }> {
  const now = deps.clock().getTime();
  const due = await dueSignOuts(deps, now);
  const changes: DeskChange[] = [];
  await withActor("system", async () => {
    for (const d of due) {
      const change = await deps.data.write(async (q) => {
        const desk = await deskOf(q, d.deviceId);
        // Signed out or in again since the list was read: the next pass decides.
        if (!desk || desk.baseProfile === null) return null;
        const device = first(await q.db.select().from(q.t.devices).where(eq(q.t.devices.id, d.deviceId)).limit(1))!;
        return signOutAtIn(q, deps, device, d.reason);
      });
      if (change) changes.push(change);
    }
    if (await deps.data.read((q) => pinFailuresToPrune(q, now, limits))) await deps.data.write((q) => prunePinFailuresIn(q, now, limits), { isolation: "read committed" });
  });
  return { signedOut: changes.flatMap((c) => c.changed.map((d) => d.mac)), notify: notifyChange(deps, sip, changes) };
}

/** Runs the sweep every `intervalMs` on the one process that holds its lease (src/db/leases.ts); errors are logged, never thrown. */
export function startHotDeskSweep(deps: ProvisionDeps, sip: SipSettings, limits: PinLimits, intervalMs: number): { stop(): Promise<void> } {
  return startPeriodicPass(deps, {
    name: "hot-desk-sweep",
    intervalMs,
    failure: "hot-desk sweep failed",
    async work() {
      const { signedOut, notify } = await sweepHotDesks(deps, sip, limits);
      if (signedOut.length) deps.logger.info({ signedOut }, "hot desks signed out by the tenants' rules");
      notify.done.catch((err) => deps.logger.error({ err }, "hot-desk NOTIFY failed"));
    },
  });
}
