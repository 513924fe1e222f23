import { eq } from "drizzle-orm";
import { z } from "zod";
import { first, type Query } from "../db/data.ts";
import { nextLocalTime } from "../domain/time-zone.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { nonEmpty } from "../services/patch-schema.ts";
import { loadTenant } from "../services/tenants.ts";

/** A tenant's hoteling rules (docs/hot-desking.md#hoteling-rules). */
export interface HotDeskRules {
  /** Tenant-local "HH:MM" at which everyone signed in is signed out; null = none. */
  readonly signOutAt: string | null;
  /** Hours after sign-in at which a person is signed out; null = none. */
  readonly maxHours: number | null;
  /** A sign-in at a second desk signs the person out of the first. */
  readonly oneDeskPerPerson: boolean;
}

const DEFAULT_RULES: HotDeskRules = { signOutAt: null, maxHours: null, oneDeskPerPerson: true };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Body of `PATCH /tenants/{tenant}/hot-desk/rules`: the fields named change, the others stay. */
export const HotDeskRulesPatch = nonEmpty(
  z.strictObject({
    signOutAt: z.string().regex(HHMM, 'must be a 24-hour time "HH:MM" such as "20:00" (tenant time), or null for none').nullable().optional(),
    maxHours: z.number("must be a number of hours 1-168, or null for none").int().min(1).max(168).nullable().optional(),
    oneDeskPerPerson: z.boolean("must be true or false").optional(),
  }),
  "signOutAt, maxHours, oneDeskPerPerson",
);
export type HotDeskRulesPatch = z.infer<typeof HotDeskRulesPatch>;

export async function rulesOf(q: Query, tenantId: number): Promise<HotDeskRules> {
  const row = first(await q.db.select().from(q.t.hotDeskRules).where(eq(q.t.hotDeskRules.tenantId, tenantId)).limit(1));
  return row ? { signOutAt: row.signOutAt, maxHours: row.maxHours, oneDeskPerPerson: row.oneDeskPerPerson } : DEFAULT_RULES;
}

/** When the rules sign out someone who signed in at `signedInAt`; null when no rule applies. */
export function signOutDueAt(rules: HotDeskRules, timeZone: string, signedInAt: number): number | null {
  const due: number[] = [];
  if (rules.maxHours !== null) due.push(signedInAt + rules.maxHours * 3_600_000);
  const m = rules.signOutAt === null ? null : HHMM.exec(rules.signOutAt);
  if (m) due.push(nextLocalTime(timeZone, signedInAt, Number(m[1]), Number(m[2])));
  return due.length ? Math.min(...due) : null;
}

type RulesView = HotDeskRules & { tenant: string; timeZone: string };

async function rulesView(q: Query, tenantName: string): Promise<RulesView> {
  const tenant = await loadTenant(q, tenantName);
  return { tenant: tenant.name, timeZone: tenant.timeZone, ...(await rulesOf(q, tenant.id)) };
}

export function getRules(deps: ServiceDeps, tenantName: string): Promise<RulesView> {
  return deps.data.read((q) => rulesView(q, tenantName));
}

/** Read-modify-write of the tenant's rules row with its audit row: serializable (the default). */
export function updateRules(deps: ServiceDeps, tenantName: string, body: unknown): Promise<RulesView> {
  const patch = HotDeskRulesPatch.parse(body);
  return deps.data.write(async (q) => {
    const tenant = await loadTenant(q, tenantName);
    const before = await rulesOf(q, tenant.id);
    const after: HotDeskRules = {
      signOutAt: patch.signOutAt === undefined ? before.signOutAt : patch.signOutAt,
      maxHours: patch.maxHours === undefined ? before.maxHours : patch.maxHours,
      oneDeskPerPerson: patch.oneDeskPerPerson ?? before.oneDeskPerPerson,
    };
    const row = { tenantId: tenant.id, ...after, updatedAt: deps.clock().getTime() };
    await q.db.insert(q.t.hotDeskRules).values(row).onConflictDoUpdate({ target: q.t.hotDeskRules.tenantId, set: row });
    await auditChangeIn(q, deps, { action: "hot_desk.rules", target: `tenant:${tenant.name}`, tenantId: tenant.id, before, after });
    return rulesView(q, tenantName);
  });
}
