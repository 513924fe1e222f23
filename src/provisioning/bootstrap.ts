import { and, count, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import { preparedPerDb } from "../db/prepared.ts";
import { recordAudit } from "../services/audit.ts";

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
    openFor: c.prepare("select source_ip as sourceIp, expires_at as expiresAt from bootstrap_windows where device_id = ? and closed_at is null"),
    take: c.prepare(
      "update bootstrap_windows set files_served = files_served + 1 where device_id = ? and source_ip = ? and closed_at is null and expires_at > ? and files_served < ?",
    ),
    close: c.prepare("update bootstrap_windows set closed_at = ?, closed_reason = ? where device_id = ? and closed_at is null"),
}));

/** Opens (or reopens, resetting it) the device's window, in the caller's `data.write` (`POST /devices/{mac}/bootstrap`, the CSV import, claims). */
export async function openBootstrapWindowIn(q: Query, w: OpenWindow): Promise<void> {
  const b = q.t.bootstrapWindows;
  const opened = { tenantId: w.tenantId, sourceIp: w.sourceIp, openedAt: w.now, expiresAt: w.now + w.seconds * 1000, openedBy: w.openedBy, reason: w.reason, filesServed: 0, closedAt: null, closedReason: null };
  await q.db.insert(b).values({ deviceId: w.deviceId, ...opened }).onConflictDoUpdate({ target: b.deviceId, set: opened });
}

/**
 * One file from the device's open window for a request from `address`: true when the window is
 * open, unexpired, bound to that address and not used up. Reads first, so a device without a
 * window (every phone after its first contact) costs no write.
 */
export function takeBootstrap(db: Db, deviceId: number, address: string, now: number): boolean {
  const s = statements(db);
  const open = s.openFor.get(deviceId) as { sourceIp: string; expiresAt: number } | undefined;
  if (!open || open.sourceIp !== address || open.expiresAt <= now) return false;
  return s.take.run(deviceId, address, now, MAX_BOOTSTRAP_FILES).changes === 1;
}

/** Closes the device's open window, if any; true when this call closed it. */
export function closeBootstrap(db: Db, deviceId: number, now: number, reason: BootstrapClose, audit?: { mac: string; tenantId: number; address: string }): boolean {
  const s = statements(db);
  if (!s.openFor.get(deviceId)) return false;
  const closed = s.close.run(now, reason, deviceId).changes === 1;
  if (closed && audit) {
    recordAudit(db, now, {
      actor: `phone:${audit.address}`,
      action: `device.bootstrap_${reason}`,
      target: `device:${audit.mac}`,
      tenantId: audit.tenantId,
      mac: audit.mac,
      after: { sourceIp: audit.address },
    });
  }
  return closed;
}

/** Windows open now (for the metrics), in a `data.read`. */
export async function openBootstrapCountIn(q: Query, now: number): Promise<number> {
  const b = q.t.bootstrapWindows;
  const [row] = await q.db.select({ n: count().mapWith(Number) }).from(b).where(and(isNull(b.closedAt), gt(b.expiresAt, now)));
  return row?.n ?? 0;
}
