/** How a mass action is spread out (security.md 2.10: rate-limit NOTIFY bursts). */
export interface ThrottleSettings {
  /** At most this many jobs start per second. */
  readonly ratePerSecond: number;
  /** Each job additionally waits a random 0..jitterMs, so phones do not all re-fetch in step. */
  readonly jitterMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `job` for every item, starting one every 1/rate seconds plus jitter; jobs overlap (a
 * NOTIFY waiting for Timer F does not hold up the next). Resolves when all have finished.
 */
export async function runThrottled<T, R>(items: readonly T[], settings: ThrottleSettings, job: (item: T) => Promise<R>, random: () => number = Math.random): Promise<R[]> {
  const spacing = 1000 / Math.max(1, settings.ratePerSecond);
  const running: Promise<R>[] = [];
  for (const [i, item] of items.entries()) {
    const delay = i * spacing + Math.floor(random() * (settings.jitterMs + 1));
    running.push(sleep(delay).then(() => job(item)));
  }
  return Promise.all(running);
}
