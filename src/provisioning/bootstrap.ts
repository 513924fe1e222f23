import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { first, type Query } from "../db/data.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { insertAudit } from "../services/audit.ts";
import type { ServiceDeps } from "../services/deps.ts";

/**
 * Zero-touch first contact. A phone that was just claimed or imported has no provisioning
 * credentials yet, so its first Digest challenge can never be answered. When its tenant has
 * `zeroTouch` on, the claim (or import, or `POST /devices/{mac}/bootstrap`) opens a short window
 * bound to the address the phone last called in from: from that address only, the device's own
 * files are served without Digest, until the file that carries its provisioning credentials has
 * gone out (`delivered`), the phone authenticated with them (`authenticated`), the window expired,
 * or MAX_BOOTSTRAP_FILES files were served. Rows live in the database, so every node sees the same
 * window and only one of them can serve a given file from it (the take is one UPDATE).
 */

/** Files one window may serve without Digest: a phone's whole boot list is at most 3 device files. */
const MAX_BOOTSTRAP_FILES = 6;

export type BootstrapReason = "claim" | "import" | "manual";
export type BootstrapClose = "delivered" | "authenticated" | "expired" | "reopened";

export interface OpenWindow {
  readonly deviceId: number;
  readonly tenantId: number;
  readonly sourceIp: string;
  readonly now: number;
  readonly seconds: number;
  readonly openedBy: string;
  readonly reason: BootstrapReason;
}

const statements = preparedPerDb(({ $client: c }) => ({
    open: c.prepare(
      `insert into bootstrap_windows (device_id, tenant_id, source_ip, opened_at, expires_at, opened_by, reason, files_served, closed_at, closed_reason)
       values (@deviceId, @tenantId, @sourceIp, @now, @expiresAt, @openedBy, @reason, 0, null, null)
       on conflict (device_id) do update set tenant_id = excluded.tenant_id, source_ip = excluded.source_ip, opened_at = excluded.opened_at,
         expires_at = excluded.expires_at, opened_by = excluded.opened_by, reason = excluded.reason, files_served = 0, closed_at = null, closed_reason = null`,
    ),
    pending: c.prepare("select count(*) as n from bootstrap_windows where closed_at is null and expires_at > ?"),
}));

/** Opens (or reopens, resetting it) the device's window; call inside the write transaction that claims it. */
export function openBootstrapWindow(db: Db, w: OpenWindow): void {
  statements(db).open.run({ ...w, expiresAt: w.now + w.seconds * 1000 });
}

/** openBootstrapWindow in a write of the asynchronous handle. */
export async function openBootstrapWindowIn(q: Query, w: OpenWindow): Promise<void> {
  const row = { deviceId: w.deviceId, tenantId: w.tenantId, sourceIp: w.sourceIp, openedAt: w.now, expiresAt: w.now + w.seconds * 1000, openedBy: w.openedBy, reason: w.reason };
  const { bootstrapWindows: b } = q.t;
  await q.db
    .insert(b)
    .values({ ...row, filesServed: 0, closedAt: null, closedReason: null })
    .onConflictDoUpdate({ target: b.deviceId, set: { ...row, filesServed: 0, closedAt: null, closedReason: null } });
}

const openWindowOf = async (q: Query, deviceId: number) => {
  const { bootstrapWindows: b } = q.t;
  return first(await q.db.select({ sourceIp: b.sourceIp, expiresAt: b.expiresAt }).from(b).where(and(eq(b.deviceId, deviceId), isNull(b.closedAt))).limit(1));
};

/**
 * One file from the device's open window for a request from `address`: true when the window is
 * open, unexpired, bound to that address and not used up. Reads first, so a device without a
 * window costs no write. The take is one conditional UPDATE (READ COMMITTED: it locks the row), so
 * of two nodes taking the last file at once only one gets it.
 */
export async function takeBootstrap(deps: ServiceDeps, deviceId: number, address: string, now: number): Promise<boolean> {
  const open = await deps.data.read((q) => openWindowOf(q, deviceId));
  if (!open || open.sourceIp !== address || open.expiresAt <= now) return false;
  return deps.data.write(
    async (q) => {
      const { bootstrapWindows: b } = q.t;
      const taken = await q.db
        .update(b)
        .set({ filesServed: sql`${b.filesServed} + 1` })
        .where(and(eq(b.deviceId, deviceId), eq(b.sourceIp, address), isNull(b.closedAt), gt(b.expiresAt, now), lt(b.filesServed, MAX_BOOTSTRAP_FILES)))
        .returning({ id: b.deviceId });
      return taken.length === 1;
    },
    { isolation: "read committed" },
  );
}

/**
 * Closes the device's open window, if any; true when this call closed it. The close and its audit
 * row are one transaction (READ COMMITTED: the UPDATE of the open row decides which node closes it).
 */
export async function closeBootstrap(deps: ServiceDeps, deviceId: number, now: number, reason: BootstrapClose, audit?: { mac: string; tenantId: number; address: string }): Promise<boolean> {
  if (!(await deps.data.read((q) => openWindowOf(q, deviceId)))) return false;
  return deps.data.write(
    async (q) => {
      const { bootstrapWindows: b } = q.t;
      const closed = await q.db.update(b).set({ closedAt: now, closedReason: reason }).where(and(eq(b.deviceId, deviceId), isNull(b.closedAt))).returning({ id: b.deviceId });
      if (closed.length === 1 && audit) {
        await insertAudit(q, now, {
          actor: `phone:${audit.address}`,
          action: `device.bootstrap_${reason}`,
          target: `device:${audit.mac}`,
          tenantId: audit.tenantId,
          mac: audit.mac,
          after: { sourceIp: audit.address },
        });
      }
      return closed.length === 1;
    },
    { isolation: "read committed" },
  );
}

/** Windows open now (for the metrics). */
export function openBootstrapCount(db: Db, now: number): number {
  return (statements(db).pending.get(now) as { n: number }).n;
}
