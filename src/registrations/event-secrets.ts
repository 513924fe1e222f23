import { timingSafeEqual } from "node:crypto";
import { eq, isNull } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import { deviceEventSecrets, devices } from "../db/schema.ts";
import { randomPassword, type SecretBox } from "../secrets.ts";
import type { ServiceDeps } from "../services/deps.ts";

/**
 * Each device's event URLs (Yealink action URLs, Poly telephony notifications, Grandstream action
 * URLs) carry a random per-device secret, so nobody who merely knows a MAC can report events for
 * it. Stored sealed, like every other secret.
 */
export function issueEventSecret(tx: Db, secrets: SecretBox, deviceId: number, now: number): void {
  tx.insert(deviceEventSecrets).values(newSecretRow(secrets, deviceId, now)).onConflictDoNothing().run();
}

/** issueEventSecret for converted code (a device created in a `data.write`); the fetch path keeps the synchronous reads below. */
export async function issueEventSecretIn(q: Query, secrets: SecretBox, deviceId: number, now: number): Promise<void> {
  await q.db.insert(q.t.deviceEventSecrets).values(newSecretRow(secrets, deviceId, now)).onConflictDoNothing();
}

const newSecretRow = (secrets: SecretBox, deviceId: number, now: number) => ({ deviceId, secretEnc: secrets.seal(randomPassword()), createdAt: now });

/** Gives every device that has none a secret (devices created before this feature). */
export function ensureEventSecrets(deps: ServiceDeps): number {
  const now = deps.clock().getTime();
  const missing = (db: Db) =>
    db.select({ id: devices.id }).from(devices).leftJoin(deviceEventSecrets, eq(deviceEventSecrets.deviceId, devices.id)).where(isNull(deviceEventSecrets.deviceId)).all();
  // Read first: every command opens a runtime, and a write transaction with nothing to write would
  // still take the write lock from a server or another command working on the same data directory.
  if (!missing(deps.db).length) return 0;
  return writeTransaction(deps.db, (tx) => {
    const rows = missing(tx);
    for (const d of rows) issueEventSecret(tx, deps.secrets, d.id, now);
    return rows.length;
  });
}

/** The device's event secret in clear, or null when it has none yet, in the caller's read or write (the resolver's). */
async function eventSecretOfIn(q: Query, secrets: SecretBox, deviceId: number): Promise<string | null> {
  const { deviceEventSecrets: d } = q.t;
  const [row] = await q.db.select({ secretEnc: d.secretEnc }).from(d).where(eq(d.deviceId, deviceId)).limit(1);
  return row ? secrets.open(row.secretEnc) : null;
}

/** Constant-time comparison of a presented secret with the device's (the phone event URLs), in the caller's `data.read` or `data.write`. */
export async function eventSecretMatchesIn(q: Query, secrets: SecretBox, deviceId: number, presented: string): Promise<boolean> {
  return sameSecret(await eventSecretOfIn(q, secrets, deviceId), presented);
}

function sameSecret(actual: string | null, presented: string): boolean {
  if (actual === null) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
