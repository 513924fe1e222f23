import { and, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { hotDeskPinFailures } from "../db/schema.ts";
import type { Config } from "../config.ts";

/** Limits of wrong hot-desk PINs (config keys `hotDeskPin*`, docs/configuration.md). */
export interface PinLimits {
  readonly slowAfter: number;
  readonly maxPerDevice: number;
  readonly maxPerExtension: number;
  readonly windowMinutes: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_PIN_LIMITS: PinLimits = { slowAfter: 3, maxPerDevice: 10, maxPerExtension: 5, windowMinutes: 15, maxDelayMs: 3000 };

export const pinLimitsFrom = (c: Config): PinLimits => ({
  slowAfter: c.hotDeskPinSlowAfter,
  maxPerDevice: c.hotDeskPinMaxPerDevice,
  maxPerExtension: c.hotDeskPinMaxPerExtension,
  windowMinutes: c.hotDeskPinWindowMinutes,
  maxDelayMs: c.hotDeskPinMaxDelayMs,
});

export interface PinVerdict {
  /** Why the sign-in is refused before the PIN is even compared, or null. */
  readonly refused: string | null;
  /** How long to wait before answering (slowed guessing). */
  readonly delayMs: number;
}

/**
 * Wrong PINs counted per device and per extension in a sliding window, in the database (so the
 * CLI, a restart and several processes share the count), the same shape as the portal's sign-in
 * limiter (src/portal/sessions.ts signInVerdict): past `slowAfter` each answer waits longer
 * (250 ms doubling to `maxDelayMs`), past the maximum the sign-in is refused without comparing
 * the PIN until the window has passed. A 4-digit PIN has 10,000 values: 5 tries per 15 minutes
 * per extension keep a guesser below 500 a day.
 */
export function pinVerdict(db: Db, now: number, deviceId: number, extensionId: number, l: PinLimits): PinVerdict {
  const since = now - l.windowMinutes * 60_000;
  const count = (where: ReturnType<typeof eq>): number =>
    db.select({ n: sql<number>`count(*)` }).from(hotDeskPinFailures).where(and(where, gt(hotDeskPinFailures.at, since))).get()?.n ?? 0;
  const byExtension = count(eq(hotDeskPinFailures.extensionId, extensionId));
  const byDevice = count(eq(hotDeskPinFailures.deviceId, deviceId));
  const wait = `try again in ${l.windowMinutes} minutes, or ask an administrator to sign you in (phonehome hot-desk sign-in)`;
  if (byExtension >= l.maxPerExtension) return { refused: `too many wrong PINs for this extension; ${wait}`, delayMs: 0 };
  if (byDevice >= l.maxPerDevice) return { refused: `too many wrong PINs at this phone; ${wait}`, delayMs: 0 };
  const n = Math.max(byDevice, byExtension) - l.slowAfter + 1;
  return { refused: null, delayMs: n > 0 ? Math.min(l.maxDelayMs, 250 * 2 ** (n - 1)) : 0 };
}

export function recordPinFailure(tx: Db, now: number, deviceId: number, extensionId: number): void {
  tx.insert(hotDeskPinFailures).values({ at: now, deviceId, extensionId }).run();
}

/** A right PIN clears the extension's failures (not the device's: a guesser at one phone stays counted). */
export function clearPinFailures(tx: Db, extensionId: number): void {
  tx.delete(hotDeskPinFailures).where(eq(hotDeskPinFailures.extensionId, extensionId)).run();
}

/** Failures older than the window are of no use: the sweep deletes them. */
export function prunePinFailures(tx: Db, now: number, l: PinLimits): void {
  tx.delete(hotDeskPinFailures).where(lt(hotDeskPinFailures.at, now - l.windowMinutes * 60_000)).run();
}
