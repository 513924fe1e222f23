import type { Query } from "../db/data.ts";
import { checkNumber } from "../domain/numbering-plan.ts";
import { invalidInput } from "../errors.ts";
import { readPlan, type TenantPlan } from "./numbering.ts";

/**
 * The number checks of extension create and duplicate (and the CSV import's creates), in their
 * `data.write`. The plan itself is src/services/numbering.ts's.
 */
/** Refuses a restricted number (400 naming the range), in the caller's `data.write`; returns the warnings otherwise. */
export async function requireAllowedNumberIn(q: Query, tenantId: number, number: string, field = "number"): Promise<string[]> {
  return allowedOrThrow(await readPlan(q, tenantId), number, field);
}

function allowedOrThrow(plan: TenantPlan, number: string, field: string): string[] {
  const check = checkNumber(plan, number);
  if (check.error) throw invalidInput(`${field}: ${check.error}`);
  return check.warnings;
}
