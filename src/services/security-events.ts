import { and, eq, isNotNull, lt } from "drizzle-orm";
import type { Logger } from "pino";
import { writeTransaction } from "../db/client.ts";
import { startPeriodicPass } from "../db/leases.ts";
import { auditLog, fetchLog, tenants } from "../db/schema.ts";
import { recordAudit } from "./audit.ts";
import type { ServiceDeps } from "./deps.ts";

/** A tenant's devices see many bad credentials from anywhere: log it and put it in the audit trail. */
export function tenantAlert(deps: ServiceDeps & { logger: Logger }, tenantId: number, failures: number): void {
  const name = deps.db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId)).get()?.name ?? String(tenantId);
  deps.logger.warn({ tenant: name, failures }, "many failed phone authentications against one tenant");
  try {
    writeTransaction(deps.db, (tx) =>
      recordAudit(tx, deps.clock().getTime(), {
        actor: "system",
        action: "security.tenant_auth_failures",
        target: `tenant:${name}`,
        tenantId,
        outcome: "alert",
        detail: `${failures} failed authentications in the window`,
      }),
    );
  } catch (err) {
    deps.logger.error({ err }, "recording a security alert failed");
  }
}

/**
 * Deletes audit and fetch-log rows older than `days` (0 = keep forever), and the counted rows of
 * unauthenticated requests older than `anonymousDays` (0 = as long as the rest); returns the rows deleted.
 */
export function pruneAudit(deps: ServiceDeps, days: number, anonymousDays = 0): { audit: number; fetches: number } {
  const now = deps.clock().getTime();
  const cutoff = days > 0 ? now - days * 86_400_000 : null;
  const anonymousCutoff = anonymousDays > 0 ? now - anonymousDays * 86_400_000 : null;
  if (cutoff === null && anonymousCutoff === null) return { audit: 0, fetches: 0 };
  return writeTransaction(deps.db, (tx) => ({
    audit: cutoff === null ? 0 : tx.delete(auditLog).where(lt(auditLog.at, cutoff)).run().changes,
    fetches:
      (cutoff === null ? 0 : tx.delete(fetchLog).where(lt(fetchLog.at, cutoff)).run().changes) +
      (anonymousCutoff === null ? 0 : tx.delete(fetchLog).where(and(isNotNull(fetchLog.anonKey), lt(fetchLog.at, anonymousCutoff))).run().changes),
  }));
}

/**
 * Prunes at start, then every hour while the server runs on the one process that holds the pass's
 * lease when several serve one database (src/db/leases.ts). The prune at start is this process's
 * own, before anything else is listening, as it always was: on several nodes each prunes once as it
 * starts (deleting rows already deleted changes nothing).
 */
export function startRetention(deps: ServiceDeps, days: number, logger: Logger, anonymousDays = 0): { stop(): Promise<void> } {
  const prune = () => {
    const n = pruneAudit(deps, days, anonymousDays);
    if (n.audit || n.fetches) logger.info(n, "old audit and fetch-log rows deleted");
  };
  try {
    prune();
  } catch (err) {
    logger.error({ err }, "pruning the audit trail failed");
  }
  return startPeriodicPass({ ...deps, logger }, { name: "retention", intervalMs: 3_600_000, failure: "pruning the audit trail failed", work: prune });
}
