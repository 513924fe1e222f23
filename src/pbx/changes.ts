import type { ExtensionRow } from "../db/rows.ts";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { disabledExtensions, extensions, pbxDeliveries, pbxEvents, pbxWebhooks, tenants } from "../db/schema.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { queueUnregister, syncSubscribers } from "./kamailio-db.ts";

/** The change-feed event types (docs/pbx.md, "Change feed"). */
export const CHANGE_TYPES = [
  "extension.created",
  "extension.changed",
  "extension.credentials_rotated",
  "extension.disabled",
  "extension.enabled",
  "extension.deleted",
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];


/** The body of a change-feed webhook: what changed, never a secret (a PBX reads those with a pbx token). */
export interface ChangePayload {
  readonly id: number;
  readonly type: ChangeType;
  readonly at: string;
  readonly tenant: string;
  readonly domain: string;
  readonly extension: string;
  readonly displayName: string;
  readonly sipUser: string;
  readonly authUser: string;
  readonly enabled: boolean;
  /** Where a pbx token reads the credentials now (absent after a delete). */
  readonly credentials: string | null;
}

/**
 * Every change of an extension that a PBX must follow goes through here, inside the change's own
 * transaction: the Kamailio subscriber row is rewritten (when a Kamailio database is attached)
 * and one outbox event is queued for every webhook that follows the tenant. Both commit or roll
 * back with the change itself; delivery happens later (outbox.ts), so an admin never waits on a PBX.
 * `ext` is the row as it is now (for a delete: as it was).
 */
export function recordExtensionChange(tx: Db, deps: Pick<ServiceDeps, "secrets" | "clock">, type: ChangeType, ext: ExtensionRow): void {
  syncSubscribers(tx, deps.secrets, [ext.id]);
  const tenant = tx.select().from(tenants).where(eq(tenants.id, ext.tenantId)).get();
  if (!tenant) return;
  const now = deps.clock().getTime();
  // Credentials that no longer exist must not keep a binding at the registrar either.
  if (type === "extension.disabled" || type === "extension.deleted") queueUnregister(tx, `sip:${ext.sipUser}@${tenant.sipDomain}`, now);
  const key = `${tenant.name}/${ext.number}`;
  const enabled = type !== "extension.deleted" && !tx.select().from(disabledExtensions).where(eq(disabledExtensions.extensionId, ext.id)).get();
  const hooks = tx.select().from(pbxWebhooks).all().filter((h) => h.tenants === null || h.tenants.includes(tenant.name));
  if (!hooks.length) return;
  const event = tx.insert(pbxEvents).values({ tenantId: tenant.id, extensionKey: key, type, payload: {}, at: now }).returning().get();
  const payload: ChangePayload = {
    id: event.id,
    type,
    at: new Date(now).toISOString(),
    tenant: tenant.name,
    domain: tenant.sipDomain,
    extension: ext.number,
    displayName: ext.displayName,
    sipUser: ext.sipUser,
    authUser: ext.authUser,
    enabled,
    credentials: type === "extension.deleted" ? null : `/api/v1/pbx/tenants/${encodeURIComponent(tenant.name)}/extensions/${encodeURIComponent(ext.number)}`,
  };
  tx.update(pbxEvents).set({ payload }).where(eq(pbxEvents.id, event.id)).run();
  for (const h of hooks) {
    tx.insert(pbxDeliveries).values({ eventId: event.id, webhookId: h.id, extensionKey: key, state: "pending", nextAttemptAt: now }).run();
  }
}

/** A tenant's SIP domain (the realm) changed or the tenant went: every subscriber row of it follows. */
export function recordTenantChange(tx: Db, deps: Pick<ServiceDeps, "secrets" | "clock">, tenantId: number, type: ChangeType): void {
  for (const ext of tx.select().from(extensions).where(eq(extensions.tenantId, tenantId)).all()) recordExtensionChange(tx, deps, type, ext);
  syncSubscribers(tx, deps.secrets, []);
}
