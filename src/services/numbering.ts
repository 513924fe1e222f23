import { eq } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import type { NumberingPlanRow } from "../db/rows.ts";
import { DEFAULT_NUMBERING_PLAN, type NumberingPlan } from "../domain/numbering-plan.ts";
import { CONTROL_CHARACTERS_MESSAGE, hasControlCharacters } from "../domain/validation.ts";
import { auditChangeIn } from "./actor.ts";
import type { ServiceDeps } from "./deps.ts";
import { loadTenant } from "./tenants.ts";

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

export type TenantPlan = NumberingPlan & { custom: boolean };

/** A tenant's plan from its row: its own tables, or the default when it has none. */
function planOf(row: NumberingPlanRow | undefined): TenantPlan {
  if (!row) return { ...DEFAULT_NUMBERING_PLAN, custom: false };
  return { restricted: row.restricted, recommended: row.recommended, custom: true };
}

/** A tenant's plan, in the caller's `q` (also for the number checks of extensions, numbering-checks.ts). */
export async function readPlan(q: Query, tenantId: number): Promise<TenantPlan> {
  return planOf(first(await q.db.select().from(q.t.numberingPlans).where(eq(q.t.numberingPlans.tenantId, tenantId)).limit(1)));
}

export function getNumberingPlan(deps: ServiceDeps, tenantName: string): Promise<TenantPlan> {
  return deps.data.read(async (q) => readPlan(q, (await loadTenant(q, tenantName)).id));
}

async function audited(deps: ServiceDeps, q: Query, tenant: { id: number; name: string }, before: TenantPlan): Promise<TenantPlan> {
  const after = await readPlan(q, tenant.id);
  await auditChangeIn(q, deps, { action: "tenant.numbering_plan", target: `tenant:${tenant.name}`, tenantId: tenant.id, before, after });
  return after;
}

// Both writes read the plan they replace for the audit row: serializable on PostgreSQL (the default),
// so the row records what was really replaced (docs/scale-out.md#transactions).
export function setNumberingPlan(deps: ServiceDeps, tenantName: string, plan: z.infer<typeof NumberingPlanInput>): Promise<TenantPlan> {
  return deps.data.write(async (q) => {
    const tenant = await loadTenant(q, tenantName);
    const before = await readPlan(q, tenant.id);
    const values = { tenantId: tenant.id, restricted: plan.restricted, recommended: plan.recommended };
    await q.db.insert(q.t.numberingPlans).values(values).onConflictDoUpdate({ target: q.t.numberingPlans.tenantId, set: values });
    return audited(deps, q, tenant, before);
  });
}

/** Back to the star-code document's tables. */
export function resetNumberingPlan(deps: ServiceDeps, tenantName: string): Promise<TenantPlan> {
  return deps.data.write(async (q) => {
    const tenant = await loadTenant(q, tenantName);
    const before = await readPlan(q, tenant.id);
    await q.db.delete(q.t.numberingPlans).where(eq(q.t.numberingPlans.tenantId, tenant.id));
    return audited(deps, q, tenant, before);
  });
}
