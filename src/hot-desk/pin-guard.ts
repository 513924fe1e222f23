import { eq, lt } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import type { Config } from "../config.ts";
import { attemptVerdict, failuresSinceIn, type AttemptVerdict } from "../services/attempt-limiter.ts";

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
export async function pinVerdict(q: Query, now: number, deviceId: number, extensionId: number, l: PinLimits): Promise<PinVerdict> {
  const since = now - l.windowMinutes * 60_000;
  const f = q.t.hotDeskPinFailures;
  const count = (key: ReturnType<typeof eq>) => failuresSinceIn(q, f, f.at, key, since);
  const wait = `try again in ${l.windowMinutes} minutes, or ask an administrator to sign you in (phonehome hot-desk sign-in)`;
  return attemptVerdict(
    [
      { failures: await count(eq(f.extensionId, extensionId)), max: l.maxPerExtension, refused: `too many wrong PINs for this extension; ${wait}` },
      { failures: await count(eq(f.deviceId, deviceId)), max: l.maxPerDevice, refused: `too many wrong PINs at this phone; ${wait}` },
    ],
    l,
  );
}

export async function recordPinFailureIn(q: Query, now: number, deviceId: number, extensionId: number): Promise<void> {
  await q.db.insert(q.t.hotDeskPinFailures).values({ at: now, deviceId, extensionId });
}

/** A right PIN clears the extension's failures (not the device's: a guesser at one phone stays counted). */
export async function clearPinFailuresIn(q: Query, extensionId: number): Promise<void> {
  await q.db.delete(q.t.hotDeskPinFailures).where(eq(q.t.hotDeskPinFailures.extensionId, extensionId));
}

/** Failures older than the window are of no use: the sweep deletes them. */
export async function prunePinFailuresIn(q: Query, now: number, l: PinLimits): Promise<void> {
  await q.db.delete(q.t.hotDeskPinFailures).where(lt(q.t.hotDeskPinFailures.at, now - l.windowMinutes * 60_000));
}

/** Whether prunePinFailuresIn has anything to delete: the periodic sweep takes no write lock for nothing. */
export async function pinFailuresToPrune(q: Query, now: number, l: PinLimits): Promise<boolean> {
  const f = q.t.hotDeskPinFailures;
  return first(await q.db.select({ at: f.at }).from(f).where(lt(f.at, now - l.windowMinutes * 60_000)).limit(1)) !== undefined;
}
