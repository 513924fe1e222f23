import { AsyncLocalStorage } from "node:async_hooks";
import type { Query } from "../db/data.ts";
import { insertAudit, type AuditEvent } from "./audit.ts";
import type { ServiceDeps } from "./deps.ts";

/**
 * Who is making the current change: the admin API runs each request inside `withActor("token:<name>")`,
 * the CLI inside `withActor("cli")`; anything else is `system`. Carried by AsyncLocalStorage so
 * service signatures stay as they are (every service is synchronous inside one request).
 */
const actorStore = new AsyncLocalStorage<string>();

export function withActor<T>(actor: string, fn: () => T): T {
  return actorStore.run(actor, fn);
}

export function currentActor(): string {
  return actorStore.getStore() ?? "system";
}

/** Records an admin change by the current actor: call it inside the change's `data.write`, with its `q`. */
export function auditChangeIn(q: Query, deps: Pick<ServiceDeps, "clock">, event: Omit<AuditEvent, "actor">): Promise<void> {
  return insertAudit(q, deps.clock().getTime(), { actor: currentActor(), ...event });
}
