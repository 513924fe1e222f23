import { timingSafeEqual } from "node:crypto";
import { eq, isNull, sql } from "drizzle-orm";
import { writeTransaction, type Db } from "../db/client.ts";
import type { Query } from "../db/data.ts";
import { deviceEventSecrets, devices } from "../db/schema.ts";
import { preparedPerDb } from "../db/prepared.ts";
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

const secretOfDevice = preparedPerDb((db) => db.select().from(deviceEventSecrets).where(eq(deviceEventSecrets.deviceId, sql.placeholder("deviceId"))).prepare());

/** The device's event secret in clear, or null when it has none yet (the phone-event endpoint's check). */
export function eventSecretOf(deps: ServiceDeps, deviceId: number): string | null {
  const row = secretOfDevice(deps.db).get({ deviceId });
  return row ? deps.secrets.open(row.secretEnc) : null;
}

/** eventSecretOf in a read or write of the asynchronous handle: the resolver's. */
export async function eventSecretOfIn(q: Query, secrets: SecretBox, deviceId: number): Promise<string | null> {
  const { deviceEventSecrets: d } = q.t;
  const [row] = await q.db.select({ secretEnc: d.secretEnc }).from(d).where(eq(d.deviceId, deviceId)).limit(1);
  return row ? secrets.open(row.secretEnc) : null;
}

/** Constant-time comparison of a presented secret with the device's. */
export function eventSecretMatches(deps: ServiceDeps, deviceId: number, presented: string): boolean {
  const actual = eventSecretOf(deps, deviceId);
  if (actual === null) return false;
  const a = Buffer.from(actual);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
