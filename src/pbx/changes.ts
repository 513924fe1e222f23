import { eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { ExtensionRow, PbxWebhookRow, Tenant as TenantRow } from "../db/rows.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { queueUnregisterIn, syncSubscribersIn } from "./kamailio-db.ts";

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
 * `data.write`: the Kamailio subscriber row is rewritten (when a Kamailio database is attached)
 * and one outbox event is queued for every webhook that follows the tenant. Both commit or roll
 * back with the change itself; delivery happens later (outbox.ts), so an admin never waits on a PBX.
 * `ext` is the row as it is now (for a delete: as it was).
 */
export async function recordExtensionChangeIn(q: Query, deps: Pick<ServiceDeps, "secrets" | "clock">, type: ChangeType, ext: ExtensionRow): Promise<void> {
  const { tenants: tn, disabledExtensions: de, pbxWebhooks: wh, pbxEvents: ev, pbxDeliveries: dv } = q.t;
  await syncSubscribersIn(q, deps.secrets, [ext.id]);
  const tenant = first(await q.db.select().from(tn).where(eq(tn.id, ext.tenantId)).limit(1));
  if (!tenant) return;
  const now = deps.clock().getTime();
  // Credentials that no longer exist must not keep a binding at the registrar either.
  if (dropsBinding(type)) queueUnregisterIn(q, aorOf(ext, tenant), now);
  const enabled = type !== "extension.deleted" && !first(await q.db.select({ id: de.extensionId }).from(de).where(eq(de.extensionId, ext.id)).limit(1));
  const hooks = followers(await q.db.select().from(wh).orderBy(wh.id), tenant);
  if (!hooks.length) return;
  const [event] = await q.db.insert(ev).values(eventRow(tenant, ext, type, now)).returning({ id: ev.id });
  await q.db.update(ev).set({ payload: changePayload(event!.id, type, now, tenant, ext, enabled) }).where(eq(ev.id, event!.id));
  await q.db.insert(dv).values(hooks.map((h) => deliveryRow(event!.id, h, tenant, ext, now)));
}

const dropsBinding = (type: ChangeType) => type === "extension.disabled" || type === "extension.deleted";
const aorOf = (ext: ExtensionRow, tenant: TenantRow) => `sip:${ext.sipUser}@${tenant.sipDomain}`;
const keyOf = (ext: ExtensionRow, tenant: TenantRow) => `${tenant.name}/${ext.number}`;

/** The webhooks that follow the tenant (all tenants, or a list naming it). */
function followers(hooks: PbxWebhookRow[], tenant: TenantRow): PbxWebhookRow[] {
  return hooks.filter((h) => h.tenants === null || h.tenants.includes(tenant.name));
}

/** The event row, its payload written once its id is known (the payload carries it). */
function eventRow(tenant: TenantRow, ext: ExtensionRow, type: ChangeType, now: number) {
  return { tenantId: tenant.id, extensionKey: keyOf(ext, tenant), type, payload: {}, at: now };
}

function deliveryRow(eventId: number, hook: PbxWebhookRow, tenant: TenantRow, ext: ExtensionRow, now: number) {
  return { eventId, webhookId: hook.id, extensionKey: keyOf(ext, tenant), state: "pending" as const, nextAttemptAt: now };
}

function changePayload(id: number, type: ChangeType, now: number, tenant: TenantRow, ext: ExtensionRow, enabled: boolean): ChangePayload {
  return {
    id,
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
}

/**
 * A tenant's SIP domain (the realm) changed or the tenant went: every subscriber row of it follows.
 * Inside the tenant change's `data.write`.
 */
export async function recordTenantChangeIn(q: Query, deps: Pick<ServiceDeps, "secrets" | "clock">, tenantId: number, type: ChangeType): Promise<void> {
  for (const ext of await q.db.select().from(q.t.extensions).where(eq(q.t.extensions.tenantId, tenantId)).orderBy(q.t.extensions.id)) {
    await recordExtensionChangeIn(q, deps, type, ext);
  }
  await syncSubscribersIn(q, deps.secrets, []);
}
