import { eq, lt } from "drizzle-orm";
import type { Logger } from "pino";
import { writeTransaction } from "../db/client.ts";
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

/** Deletes audit and fetch-log rows older than `days` (0 = keep forever); returns the rows deleted. */
export function pruneAudit(deps: ServiceDeps, days: number): { audit: number; fetches: number } {
  if (days <= 0) return { audit: 0, fetches: 0 };
  const cutoff = deps.clock().getTime() - days * 86_400_000;
  return writeTransaction(deps.db, (tx) => ({
    audit: tx.delete(auditLog).where(lt(auditLog.at, cutoff)).run().changes,
    fetches: tx.delete(fetchLog).where(lt(fetchLog.at, cutoff)).run().changes,
  }));
}

/** Prunes at start and then every hour while the server runs. */
export function startRetention(deps: ServiceDeps, days: number, logger: Logger): { stop(): void } {
  const run = () => {
    try {
      const n = pruneAudit(deps, days);
      if (n.audit || n.fetches) logger.info(n, "old audit and fetch-log rows deleted");
    } catch (err) {
      logger.error({ err }, "pruning the audit trail failed");
    }
  };
  run();
  const timer = setInterval(run, 3_600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
