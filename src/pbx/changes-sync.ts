import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { ExtensionRow } from "../db/rows.ts";
import { disabledExtensions, pbxDeliveries, pbxEvents, pbxWebhooks, tenants } from "../db/schema.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { aorOf, changePayload, deliveryRow, dropsBinding, eventRow, followers, type ChangeType } from "./changes.ts";
import { queueUnregister, syncSubscribers } from "./kamailio-db-sync.ts";

/**
 * recordExtensionChangeIn (changes.ts) inside a synchronous `writeTransaction`, kept for
 * force-unregister and the CSV import until they move to the asynchronous handle.
 */
export function recordExtensionChange(tx: Db, deps: Pick<ServiceDeps, "secrets" | "clock">, type: ChangeType, ext: ExtensionRow): void {
  syncSubscribers(tx, deps.secrets, [ext.id]);
  const tenant = tx.select().from(tenants).where(eq(tenants.id, ext.tenantId)).get();
  if (!tenant) return;
  const now = deps.clock().getTime();
  // Credentials that no longer exist must not keep a binding at the registrar either.
  if (dropsBinding(type)) queueUnregister(tx, aorOf(ext, tenant), now);
  const enabled = type !== "extension.deleted" && !tx.select().from(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).get();
  const hooks = followers(tx.select().from(pbxWebhooks).all(), tenant);
  if (!hooks.length) return;
  const event = tx.insert(pbxEvents).values(eventRow(tenant, ext, type, now)).returning().get();
  tx.update(pbxEvents).set({ payload: changePayload(event.id, type, now, tenant, ext, enabled) }).where(eq(pbxEvents.id, event.id)).run();
  for (const h of hooks) tx.insert(pbxDeliveries).values(deliveryRow(event.id, h, tenant, ext, now)).run();
}
