import { eq, lt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { hotDeskPinFailures } from "../db/schema.ts";
import type { Config } from "../config.ts";
import { attemptVerdict, type AttemptVerdict } from "../services/attempt-limiter.ts";
import { failuresSince } from "../services/attempt-limiter-sync.ts";

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

export type PinVerdict = AttemptVerdict;

/**
 * Wrong PINs counted per extension and per device in a sliding window, in the database, under the
 * shared slow-then-refuse rule of the portal's sign-in (services/attempt-limiter.ts). A 4-digit
 * PIN has 10,000 values: 5 tries per 15 minutes per extension keep a guesser below 500 a day.
 */
export function pinVerdict(db: Db, now: number, deviceId: number, extensionId: number, l: PinLimits): PinVerdict {
  const since = now - l.windowMinutes * 60_000;
  const count = (key: ReturnType<typeof eq>) => failuresSince(db, hotDeskPinFailures, hotDeskPinFailures.at, key, since);
  const wait = `try again in ${l.windowMinutes} minutes, or ask an administrator to sign you in (phonehome hot-desk sign-in)`;
  return attemptVerdict(
    [
      { failures: count(eq(hotDeskPinFailures.extensionId, extensionId)), max: l.maxPerExtension, refused: `too many wrong PINs for this extension; ${wait}` },
      { failures: count(eq(hotDeskPinFailures.deviceId, deviceId)), max: l.maxPerDevice, refused: `too many wrong PINs at this phone; ${wait}` },
    ],
    l,
  );
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

/** Whether prunePinFailures has anything to delete: the periodic sweep takes no write lock for nothing. */
export function pinFailuresToPrune(db: Db, now: number, l: PinLimits): boolean {
  return db.select({ at: hotDeskPinFailures.at }).from(hotDeskPinFailures).where(lt(hotDeskPinFailures.at, now - l.windowMinutes * 60_000)).limit(1).get() !== undefined;
}
