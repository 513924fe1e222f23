import { and, asc, eq, isNotNull } from "drizzle-orm";
import { deviceLines, extensions, registrations, tenants } from "../db/schema.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { DeviceRow } from "../db/rows.ts";
import { planFrom, type NotifyPlan } from "./targets.ts";

/**
 * notifyPlanIn on the synchronous handle, for the hot-desk writes (src/hot-desk/desks.ts) that plan
 * inside their writeTransaction until they move to the asynchronous handle. Only the queries are
 * here; the plan is made by planFrom.
 */
export function notifyPlan(deps: Pick<ServiceDeps, "db" | "secrets">, device: DeviceRow): NotifyPlan | null {
  const tenant = deps.db.select().from(tenants).where(eq(tenants.id, device.tenantId)).get()!;
  const lines = deps.db
    .select({ ext: extensions })
    .from(deviceLines)
    .innerJoin(extensions, eq(extensions.id, deviceLines.extensionId))
    .where(eq(deviceLines.deviceId, device.id))
    .orderBy(asc(deviceLines.lineIndex))
    .all()
    .map((r) => r.ext);
  const bound = deps.db
    .select({ r: registrations, ext: extensions })
    .from(registrations)
    .innerJoin(extensions, eq(extensions.id, registrations.extensionId))
    .where(and(eq(registrations.deviceId, device.id), eq(registrations.state, "registered"), isNotNull(registrations.contact)))
    .all();
  return planFrom(deps, device, { tenant, lines, bound });
}
