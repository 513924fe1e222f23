import { eq } from "drizzle-orm";
import { z } from "zod";
import { writeTransaction, type Db } from "../db/client.ts";
import { numberingPlans } from "../db/schema.ts";
import { checkNumber, DEFAULT_NUMBERING_PLAN, type NumberCheck, type NumberingPlan } from "../domain/numbering-plan.ts";
import { CONTROL_CHARACTERS_MESSAGE, hasControlCharacters } from "../domain/validation.ts";
import { invalidInput } from "../errors.ts";
import { auditChange } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { getTenant } from "./tenants.ts";

const Range = z
  .strictObject({
    from: z.number().int().min(0).max(999_999_999_999_999),
    to: z.number().int().min(0).max(999_999_999_999_999),
    purpose: z.string().min(1).max(200).refine((v) => !hasControlCharacters(v), CONTROL_CHARACTERS_MESSAGE),
  })
  .refine((x) => x.from <= x.to, { path: ["to"], message: "must not be below from" });

/** PUT body of /tenants/{t}/numbering-plan: both tables, replaced whole. */
export const NumberingPlanInput = z.strictObject({
  restricted: z.array(Range).max(500),
  recommended: z.array(Range).max(500),
});

export function tenantPlan(db: Db, tenantId: number): NumberingPlan & { custom: boolean } {
  const row = db.select().from(numberingPlans).where(eq(numberingPlans.tenantId, tenantId)).get();
  if (!row) return { ...DEFAULT_NUMBERING_PLAN, custom: false };
  return { restricted: row.restricted, recommended: row.recommended, custom: true };
}

export function getNumberingPlan(deps: ServiceDeps, tenantName: string) {
  return tenantPlan(deps.db, getTenant(deps, tenantName).id);
}

function audited(deps: ServiceDeps, tx: Db, tenant: { id: number; name: string }, before: ReturnType<typeof tenantPlan>) {
  const after = tenantPlan(tx, tenant.id);
  auditChange(tx, deps, { action: "tenant.numbering_plan", target: `tenant:${tenant.name}`, tenantId: tenant.id, before, after });
  return after;
}

export function setNumberingPlan(deps: ServiceDeps, tenantName: string, plan: z.infer<typeof NumberingPlanInput>) {
  return writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, tenantName);
    const before = tenantPlan(tx, tenant.id);
    const values = { tenantId: tenant.id, restricted: plan.restricted, recommended: plan.recommended };
    tx.insert(numberingPlans).values(values).onConflictDoUpdate({ target: numberingPlans.tenantId, set: values }).run();
    return audited(deps, tx, tenant, before);
  });
}

/** Back to the star-code document's tables. */
export function resetNumberingPlan(deps: ServiceDeps, tenantName: string) {
  return writeTransaction(deps.db, (tx) => {
    const tenant = getTenant({ ...deps, db: tx }, tenantName);
    const before = tenantPlan(tx, tenant.id);
    tx.delete(numberingPlans).where(eq(numberingPlans.tenantId, tenant.id)).run();
    return audited(deps, tx, tenant, before);
  });
}

/** Refuses a restricted number (400 naming the range); returns the warnings otherwise. */
export function requireAllowedNumber(db: Db, tenantId: number, number: string, field = "number"): string[] {
  const check: NumberCheck = checkNumber(tenantPlan(db, tenantId), number);
  if (check.error) throw invalidInput(`${field}: ${check.error}`);
  return check.warnings;
}
