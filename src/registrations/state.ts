import { and, eq, isNotNull, lt } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { insertAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";
import type { RegistrationRow } from "../db/rows.ts";

export type RegistrationEvent = "registered" | "refreshed" | "unregistered" | "expired" | "register_failed";

export interface RegistrationReport {
  readonly tenantId: number;
  readonly extensionId: number;
  /** `<tenant>/<number>` for the audit log. */
  readonly extensionLabel: string;
  readonly deviceId: number | null;
  readonly mac: string | null;
  readonly event: RegistrationEvent;
  readonly contact: string | null;
  readonly source: string | null;
  readonly userAgent: string | null;
  /** Seconds; null when the reporter gives none (phone events). */
  readonly expires: number | null;
  /** `phone:<mac>` or `registrar:<token>`. */
  readonly reporter: string;
}

const STATE_OF: Readonly<Record<RegistrationEvent, RegistrationRow["state"]>> = {
  registered: "registered",
  refreshed: "registered",
  unregistered: "unregistered",
  expired: "expired",
  register_failed: "failed",
};

/**
 * A registration reported without an expiry (phone action URLs) ages out after the tenant's
 * registration interval plus this margin, unless an event refreshes it: phones re-register before
 * the interval ends, so a phone that went silent for longer is gone.
 */
export const noExpiryMarginS = (registerExpires: number): number => Math.max(60, Math.ceil(registerExpires * 0.1));

/** `device:<id>` when the phone is known, else `contact:<uri>` (or the source when no contact). */
const bindingKeyOf = (r: Pick<RegistrationReport, "deviceId" | "contact" | "source">): string =>
  r.deviceId !== null ? `device:${r.deviceId}` : `contact:${r.contact ?? r.source ?? "unknown"}`;

async function noExpiryLifetimeS(q: Query, tenantId: number): Promise<number> {
  const t = first(await q.db.select({ registerExpires: q.t.tenants.registerExpires }).from(q.t.tenants).where(eq(q.t.tenants.id, tenantId)).limit(1));
  const interval = t?.registerExpires ?? 3600;
  return interval + noExpiryMarginS(interval);
}

/**
 * Applies one registration event inside the caller's transaction: upserts the binding's row and
 * writes the audit row. `since` moves only when the state changes (a refresh keeps it).
 */
export async function applyRegistrationEventIn(q: Query, now: number, r: RegistrationReport): Promise<RegistrationRow> {
  const { registrations } = q.t;
  const bindingKey = bindingKeyOf(r);
  const state = r.expires === 0 && r.event !== "expired" ? "unregistered" : STATE_OF[r.event];
  const lifetimeS = r.expires ?? (await noExpiryLifetimeS(q, r.tenantId));
  const existing = first(
    await q.db
      .select()
      .from(registrations)
      .where(and(eq(registrations.extensionId, r.extensionId), eq(registrations.bindingKey, bindingKey)))
      .limit(1),
  );
  const values = {
    state,
    contact: r.contact ?? existing?.contact ?? null,
    source: r.source ?? existing?.source ?? null,
    userAgent: r.userAgent ?? existing?.userAgent ?? null,
    since: existing && existing.state === state ? existing.since : now,
    expiresAt: state === "registered" && lifetimeS ? now + lifetimeS * 1000 : null,
    lastEvent: r.event,
    lastEventSource: r.reporter,
    lastEventAt: now,
  };
  const [row] = existing
    ? await q.db.update(registrations).set(values).where(eq(registrations.id, existing.id)).returning()
    : await q.db
        .insert(registrations)
        .values({ ...values, tenantId: r.tenantId, extensionId: r.extensionId, deviceId: r.deviceId, bindingKey })
        .returning();
  await insertAudit(q, now, {
    actor: r.reporter,
    action: `registration.${r.event}`,
    target: `extension:${r.extensionLabel}`,
    tenantId: r.tenantId,
    mac: r.mac,
    extension: r.extensionLabel,
    after: { state, contact: values.contact, source: values.source, expires: r.expires },
  });
  return row!;
}

/**
 * Registrations whose expiry passed become `unregistered` with event `expired` (and an audit row).
 * Called periodically by the tracker; reads also treat a passed expiry as expired.
 */
export async function expireRegistrations(deps: ServiceDeps): Promise<number> {
  const now = deps.clock().getTime();
  const dueWhere = (q: Query) => {
    const { registrations } = q.t;
    return and(eq(registrations.state, "registered"), isNotNull(registrations.expiresAt), lt(registrations.expiresAt, now));
  };
  // The server runs this every second: with nothing due it takes no write lock, so the event loop
  // never waits for another writer's transaction (the fetch-log thread's, an import's) for nothing.
  const anyDue = await deps.data.read(async (q) => first(await q.db.select({ id: q.t.registrations.id }).from(q.t.registrations).where(dueWhere(q)).limit(1)));
  if (!anyDue) return 0;
  // Serializable (the default): reads the due rows, then writes each with its audit row.
  return deps.data.write(async (q) => {
    const { registrations } = q.t;
    const due = await q.db.select().from(registrations).where(dueWhere(q));
    for (const row of due) {
      await q.db
        .update(registrations)
        .set({ state: "expired", since: row.expiresAt!, expiresAt: null, lastEvent: "expired", lastEventSource: "system", lastEventAt: now })
        .where(eq(registrations.id, row.id));
      await insertAudit(q, now, {
        actor: "system",
        action: "registration.expired",
        target: `registration:${row.id}`,
        tenantId: row.tenantId,
        after: { contact: row.contact, expiredAt: row.expiresAt },
      });
    }
    return due.length;
  });
}

/** The state a reader should see: a registration past its expiry is already `expired`. */
export function effectiveState(row: RegistrationRow, now: number): RegistrationRow["state"] {
  if (row.state === "registered" && row.expiresAt !== null && row.expiresAt <= now) return "expired";
  return row.state;
}
