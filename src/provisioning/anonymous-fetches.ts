import type { FetchRecord } from "./fetch-recorder.ts";

/**
 * What unauthenticated traffic may write to fetch_log. Every fetch used to get its own row, kept for
 * `auditRetentionDays`: 8,000 anonymous requests a second grew the database by about 2 MB/s. Now
 * only a fetch that served a device its file (authenticated) gets a row of its own; every other
 * request is counted into one row per minute, source, transport, outcome and status (`count`,
 * `last_at`), and within it:
 * - per file, when something was served (common files, firmware: a bounded set of names),
 * - per device, file and certificate failure, when a known device was refused (onboarding status
 *   and the audit trail read these),
 * - as one row otherwise (unknown MACs, made-up names, rate-limited requests), keeping the last
 *   file name asked for.
 * Past `maxKeysPerMinute` distinct rows in one minute (many sources), the rest of that minute is
 * counted into a single row with the source `*`, so a flood from many addresses is bounded too.
 * These rows are deleted after `anonymousRetentionDays` (security-events.ts).
 */
export function isAuthenticatedFetch(f: FetchRecord): boolean {
  return f.deviceId !== null && (f.outcome === "served" || f.outcome === "not_modified");
}

/** The source written for the overflow row of a minute. */
export const OVERFLOW_SOURCE = "*";

export class AnonymousKeys {
  private minute = -1;
  private readonly keys = new Set<string>();

  constructor(private readonly maxKeysPerMinute: number) {}

  /** The aggregation key of `f` (an unauthenticated fetch), and the source to store with it. */
  keyOf(f: FetchRecord): { key: string; sourceIp: string } {
    const minute = Math.floor(f.at / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.keys.clear();
    }
    const served = f.outcome === "served" || f.outcome === "not_modified";
    const target = served ? `file:${f.fileName}` : f.deviceId !== null ? `device:${f.deviceId}:${f.fileName}:${f.certFailure ?? ""}` : "*";
    const rest = `${f.transport}|${f.outcome}|${f.status}|${target}`;
    const key = `${minute}|${f.sourceIp}|${rest}`;
    if (this.keys.has(key)) return { key, sourceIp: f.sourceIp };
    if (this.keys.size < this.maxKeysPerMinute) {
      this.keys.add(key);
      return { key, sourceIp: f.sourceIp };
    }
    return { key: `${minute}|${OVERFLOW_SOURCE}|overflow`, sourceIp: OVERFLOW_SOURCE };
  }
}
