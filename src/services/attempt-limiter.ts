import { and, gt, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { first, type Query } from "../db/data.ts";

/**
 * The one slow-then-refuse rule for guessed secrets: portal passwords (src/portal/sessions.ts) and
 * hot-desk PINs (src/hot-desk/pin-guard.ts). Each caller counts its failures in the window, per
 * key it guards (an account and a source address; an extension and a phone), in its own table, so
 * the CLI, a restart and several processes share the counts. Past `slowAfter` failures of any key
 * each answer waits, 250 ms doubling up to `maxDelayMs`; once a key reached its maximum the
 * attempt is refused without checking the secret until the window has passed.
 */
export interface AttemptLimits {
  readonly slowAfter: number;
  readonly maxDelayMs: number;
}

/** One key's failures in the window, its maximum, and what a refusal because of it says. */
export interface CountedKey {
  readonly failures: number;
  readonly max: number;
  readonly refused: string;
}

export interface AttemptVerdict {
  /** Refused outright (too many failures); the message says for how long. */
  readonly refused: string | null;
  /** Delay before answering this attempt. */
  readonly delayMs: number;
}

const FIRST_DELAY_MS = 250;

/** The verdict over the keys, checked in the order given (the first one at its maximum refuses). */
export function attemptVerdict(keys: readonly CountedKey[], limits: AttemptLimits): AttemptVerdict {
  const full = keys.find((k) => k.failures >= k.max);
  if (full) return { refused: full.refused, delayMs: 0 };
  const n = Math.max(0, ...keys.map((k) => k.failures)) - limits.slowAfter + 1;
  return { refused: null, delayMs: n > 0 ? Math.min(limits.maxDelayMs, FIRST_DELAY_MS * 2 ** (n - 1)) : 0 };
}

/** Failures recorded in `table` (from `q.t`) after `since` (its `at` column) that match `key`. */
export async function failuresSinceIn(q: Query, table: SQLiteTable, at: SQLiteColumn, key: SQL, since: number): Promise<number> {
  return first(await q.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(table).where(and(key, gt(at, since))))?.n ?? 0;
}
