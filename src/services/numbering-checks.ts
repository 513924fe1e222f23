import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import { numberingPlans } from "../db/schema.ts";
import { checkNumber } from "../domain/numbering-plan.ts";
import { invalidInput } from "../errors.ts";
import { planOf, readPlan, type TenantPlan } from "./numbering.ts";

/**
 * The number checks of extension create and duplicate. `requireAllowedNumberIn` runs in their
 * `data.write`; the synchronous `tenantPlan`/`requireAllowedNumber` stay for the CSV import's
 * transaction (createExtensionSync) until it moves (docs/scale-out.md#status). The plan itself is
 * src/services/numbering.ts's.
 */
function tenantPlan(db: Db, tenantId: number): TenantPlan {
  return planOf(db.select().from(numberingPlans).where(eq(numberingPlans.tenantId, tenantId)).get());
}

/** Refuses a restricted number (400 naming the range); returns the warnings otherwise. */
export function requireAllowedNumber(db: Db, tenantId: number, number: string, field = "number"): string[] {
  return allowedOrThrow(tenantPlan(db, tenantId), number, field);
}

/** requireAllowedNumber for converted code, in the caller's `data.write`. */
export async function requireAllowedNumberIn(q: Query, tenantId: number, number: string, field = "number"): Promise<string[]> {
  return allowedOrThrow(await readPlan(q, tenantId), number, field);
}

function allowedOrThrow(plan: TenantPlan, number: string, field: string): string[] {
  const check = checkNumber(plan, number);
  if (check.error) throw invalidInput(`${field}: ${check.error}`);
  return check.warnings;
}
