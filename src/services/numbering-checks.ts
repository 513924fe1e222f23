import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { numberingPlans } from "../db/schema.ts";
import { checkNumber, type NumberCheck } from "../domain/numbering-plan.ts";
import { invalidInput } from "../errors.ts";
import { planOf, type TenantPlan } from "./numbering.ts";

/**
 * The numbering plan read inside a synchronous `writeTransaction`, for the number checks of the
 * services not yet on the asynchronous handle (extensions, extension actions). It goes when they
 * move (docs/scale-out.md#conversion-order); the plan itself is src/services/numbering.ts's.
 */
export function tenantPlan(db: Db, tenantId: number): TenantPlan {
  return planOf(db.select().from(numberingPlans).where(eq(numberingPlans.tenantId, tenantId)).get());
}

/** Refuses a restricted number (400 naming the range); returns the warnings otherwise. */
export function requireAllowedNumber(db: Db, tenantId: number, number: string, field = "number"): string[] {
  const check: NumberCheck = checkNumber(tenantPlan(db, tenantId), number);
  if (check.error) throw invalidInput(`${field}: ${check.error}`);
  return check.warnings;
}
