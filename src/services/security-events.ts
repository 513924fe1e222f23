import { and, eq, isNotNull, lt } from "drizzle-orm";
import type { Logger } from "pino";
import { startPeriodicPass } from "../db/leases.ts";
import { first } from "../db/data.ts";
import { insertAudit } from "./audit.ts";
import type { ServiceDeps } from "./deps.ts";

/**
 * A tenant's devices see many bad credentials from anywhere: log it and put it in the audit trail.
 * Called by the enumeration guard as it answers a phone, which does not wait for it: it never throws.
 */
export async function tenantAlert(deps: Pick<ServiceDeps, "data" | "clock"> & { logger: Logger }, tenantId: number, failures: number): Promise<void> {
  try {
    const t = await deps.data.read(async (q) => first(await q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.id, tenantId)).limit(1)));
    const name = t?.name ?? String(tenantId);
    deps.logger.warn({ tenant: name, failures }, "many failed phone authentications against one tenant");
    const event = { actor: "system", action: "security.tenant_auth_failures", target: `tenant:${name}`, tenantId, outcome: "alert", detail: `${failures} failed authentications in the window` };
    // One insert: read committed.
    await deps.data.write((q) => insertAudit(q, deps.clock().getTime(), event), { isolation: "read committed" });
  } catch (err) {
    deps.logger.error({ err }, "recording a security alert failed");
  }
}

/**
 * Deletes audit and fetch-log rows older than `days` (0 = keep forever), and the counted rows of
 * unauthenticated requests older than `anonymousDays` (0 = as long as the rest); returns the rows
 * deleted. Deletes of rows past their time, nothing read first: read committed (two nodes pruning
 * at once delete each row once, and neither waits for the writer lock).
 */
export async function pruneAudit(deps: Pick<ServiceDeps, "data" | "clock">, days: number, anonymousDays = 0): Promise<{ audit: number; fetches: number }> {
  const now = deps.clock().getTime();
  const cutoff = days > 0 ? now - days * 86_400_000 : null;
  const anonymousCutoff = anonymousDays > 0 ? now - anonymousDays * 86_400_000 : null;
  if (cutoff === null && anonymousCutoff === null) return { audit: 0, fetches: 0 };
  return deps.data.write(
    async (q) => {
      const { auditLog, fetchLog } = q.t;
      const audit = cutoff === null ? [] : await q.db.delete(auditLog).where(lt(auditLog.at, cutoff)).returning({ id: auditLog.id });
      const fetches = cutoff === null ? [] : await q.db.delete(fetchLog).where(lt(fetchLog.at, cutoff)).returning({ id: fetchLog.id });
      const anonymous =
        anonymousCutoff === null ? [] : await q.db.delete(fetchLog).where(and(isNotNull(fetchLog.anonKey), lt(fetchLog.at, anonymousCutoff))).returning({ id: fetchLog.id });
      return { audit: audit.length, fetches: fetches.length + anonymous.length };
    },
    { isolation: "read committed" },
  );
}

/**
 * Prunes at start, then every hour while the server runs on the one process that holds the pass's
 * lease when several serve one database (src/db/leases.ts). The prune at start is this process's
 * own, begun as the server starts, as it always was: on several nodes each prunes once as it starts
 * (deleting rows already deleted changes nothing). `stop()` waits for it too.
 */
export function startRetention(deps: ServiceDeps, days: number, logger: Logger, anonymousDays = 0): { stop(): Promise<void> } {
  const prune = async () => {
    const n = await pruneAudit(deps, days, anonymousDays);
    if (n.audit || n.fetches) logger.info(n, "old audit and fetch-log rows deleted");
  };
  const atStart = prune().catch((err: unknown) => logger.error({ err }, "pruning the audit trail failed"));
  const pass = startPeriodicPass({ ...deps, logger }, { name: "retention", intervalMs: 3_600_000, failure: "pruning the audit trail failed", work: prune });
  return {
    async stop() {
      await atStart;
      await pass.stop();
    },
  };
}
