import { and, count, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
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

/** Opens (or reopens, resetting it) the device's window, in the caller's `data.write` (`POST /devices/{mac}/bootstrap`, the CSV import, claims). */
export async function openBootstrapWindowIn(q: Query, w: OpenWindow): Promise<void> {
  const b = q.t.bootstrapWindows;
  const opened = { tenantId: w.tenantId, sourceIp: w.sourceIp, openedAt: w.now, expiresAt: w.now + w.seconds * 1000, openedBy: w.openedBy, reason: w.reason, filesServed: 0, closedAt: null, closedReason: null };
  await q.db.insert(b).values({ deviceId: w.deviceId, ...opened }).onConflictDoUpdate({ target: b.deviceId, set: opened });
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

/** Windows open now (for the metrics), in a `data.read`. */
export async function openBootstrapCountIn(q: Query, now: number): Promise<number> {
  const b = q.t.bootstrapWindows;
  const [row] = await q.db.select({ n: count().mapWith(Number) }).from(b).where(and(isNull(b.closedAt), gt(b.expiresAt, now)));
  return row?.n ?? 0;
}
