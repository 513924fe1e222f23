import { DatabaseBusyError } from "../db/busy.ts";
import { writeTransaction, type Db } from "../db/client.ts";
import { AnonymousKeys, isAuthenticatedFetch, OVERFLOW_SOURCE } from "./anonymous-fetches.ts";
import { pruneDiscovered, writeDiscovery } from "./discovery-inbox.ts";
import type { ServedFileKeeper } from "./served-files.ts";

/** Rows held in memory while another process holds the write lock: about a minute of a boot storm. */
const MAX_BUFFERED = 200_000;

export type FetchOutcome = "served" | "not_modified" | "unauthorized" | "not_found" | "rate_limited" | "error";

export interface FetchRecord {
  readonly at: number;
  readonly transport: string;
  readonly sourceIp: string;
  readonly fileName: string;
  readonly mac: string | null;
  readonly deviceId: number | null;
  readonly tenantId: number | null;
  readonly userAgent: string | null;
  readonly outcome: FetchOutcome;
  readonly status: number;
  readonly authMethod: string | null;
  readonly configHash: string | null;
  readonly bytes: number | null;
  readonly authUser?: string | null;
  readonly certSubject?: string | null;
  readonly certSerial?: string | null;
  readonly certFailure?: string | null;
  readonly networkRule?: string | null;
  readonly credentials?: string | null;
  readonly encrypted?: boolean | null;
  /** A served device file's plaintext and the secret values in it (kept as its last served copy, src/provisioning/served-files.ts). */
  readonly servedCopy?: { readonly plain: Buffer; readonly secrets: readonly string[] } | null;
  /** Set on a successful device fetch: refresh the device's last-seen columns. */
  readonly seen?: { readonly firmware: string | null; readonly baseUrl?: string | null };
}

/** fetch_log columns written for each fetch, by FetchRecord field name. */
const FETCH_COLUMNS = [
  "at", "transport", "sourceIp", "fileName", "mac", "deviceId", "tenantId", "userAgent", "outcome", "status", "authMethod",
  "configHash", "bytes", "authUser", "certSubject", "certSerial", "certFailure", "networkRule", "credentials", "encrypted",
] as const;

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function prepareStatements(db: Db) {
  const c = db.$client;
  return {
    insertFetch: c.prepare(
      `insert into fetch_log (${FETCH_COLUMNS.map(snake).join(", ")}) values (${FETCH_COLUMNS.map((k) => `@${k}`).join(", ")})`,
    ),
    // An unauthenticated fetch is counted into its minute's row (anonymous-fetches.ts).
    countAnonymous: c.prepare(
      `insert into fetch_log (${FETCH_COLUMNS.map(snake).join(", ")}, anon_key, count, last_at)
       values (${FETCH_COLUMNS.map((k) => `@${k}`).join(", ")}, @anonKey, 1, @at)
       on conflict (anon_key) do update set count = count + 1, last_at = excluded.last_at,
         file_name = excluded.file_name, user_agent = coalesce(excluded.user_agent, fetch_log.user_agent)`,
    ),
    touchDevice: c.prepare(
      "update devices set last_seen_at = ?, last_ip = ?, last_user_agent = coalesce(?, last_user_agent), last_firmware = coalesce(?, last_firmware), last_base_url = coalesce(?, last_base_url) where id = ?",
    ),
  };
}

export interface Discovery {
  readonly mac: string;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
  readonly userAgent: string | null;
  readonly fileName: string;
  readonly sourceIp: string;
  readonly transport: string;
  readonly at: number;
}

/**
 * Buffers fetch-log rows, device last-seen updates and discovery-inbox entries, and writes them in
 * one transaction every `flushMs` (or at 500 entries). A boot storm then costs one fsync per batch
 * instead of one per request; a crash loses at most one batch of log rows, never configuration.
 */
export class FetchRecorder {
  private fetches: FetchRecord[] = [];
  private discoveries: Discovery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly anonymous: AnonymousKeys;

  /** `anonymousRowsPerMinute`: distinct rows unauthenticated traffic may add per minute (config). */
  constructor(
    private readonly db: Db,
    private readonly flushMs: number,
    private readonly discoveryMax: number,
    private readonly onError: (error: unknown) => void,
    anonymousRowsPerMinute = 1000,
    /** Discovery-inbox caps and retention (src/provisioning/discovery-inbox.ts). */
    private readonly inbox: { readonly maxPerNetwork?: number; readonly retentionDays?: number } = {},
    /** Keeps the last served body of each device file, when given. */
    private readonly served: ServedFileKeeper | null = null,
  ) {
    this.anonymous = new AnonymousKeys(anonymousRowsPerMinute);
  }

  record(entry: FetchRecord): void {
    if (entry.servedCopy) {
      const { servedCopy, ...row } = entry;
      if (this.served && row.deviceId !== null && row.configHash) this.served.add({ deviceId: row.deviceId, fileName: row.fileName, contentHash: row.configHash, ...servedCopy, at: row.at });
      entry = row;
    }
    this.fetches.push(entry);
    this.schedule();
  }

  discover(entry: Discovery): void {
    this.discoveries.push(entry);
    this.schedule();
  }

  private schedule(): void {
    if (this.fetches.length + this.discoveries.length >= 500 && Date.now() >= this.lockedUntil) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const fetches = this.fetches;
    const discoveries = this.discoveries;
    this.fetches = [];
    this.discoveries = [];
    if (!fetches.length && !discoveries.length) return;
    const client = this.db.$client;
    const wait = client.pragma("busy_timeout", { simple: true }) as number;
    try {
      // Never block the event loop on another process's lock (a CLI import): try, and keep the rows for the next flush.
      client.pragma("busy_timeout = 0");
      writeTransaction(this.db, (tx) => {
        for (const f of fetches) this.writeFetch(f);
        for (const d of discoveries) this.writeDiscovery(tx, d);
        this.served?.write(this.db); // the same connection, inside this transaction
      });
      this.served?.written();
    } catch (error) {
      if (error instanceof DatabaseBusyError) return this.keep(fetches, discoveries);
      this.onError(error);
    } finally {
      client.pragma(`busy_timeout = ${wait}`);
    }
  }

  /** Rows that met the lock go back in front of the buffer (bounded: past MAX_BUFFERED the oldest go, and are counted). */
  private keep(fetches: FetchRecord[], discoveries: Discovery[]): void {
    this.lockedUntil = Date.now() + this.flushMs;
    this.fetches = fetches.concat(this.fetches);
    this.discoveries = discoveries.concat(this.discoveries);
    const over = this.fetches.length - MAX_BUFFERED;
    if (over > 0) {
      this.fetches.splice(0, over);
      this.dropped += over;
      this.onError(new Error(`the database stayed locked; ${this.dropped} fetch-log row(s) dropped so far to bound memory`));
    }
    if (this.discoveries.length > MAX_BUFFERED) this.discoveries.splice(0, this.discoveries.length - MAX_BUFFERED);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Fetch-log rows given up while the database stayed locked (memory bound); 0 in normal operation. */
  dropped = 0;
  /** After meeting the lock, no flush before this time (no attempt per request while an import writes). */
  private lockedUntil = 0;

  private writeFetch(f: FetchRecord): void {
    const { seen, ...row } = f;
    const s = this.statements();
    const params: Record<string, string | number | null> = {};
    for (const column of FETCH_COLUMNS) {
      const v = (row as Record<string, unknown>)[column];
      params[column] = typeof v === "boolean" ? Number(v) : ((v as string | number | null | undefined) ?? null);
    }
    if (isAuthenticatedFetch(f)) s.insertFetch.run(params);
    else {
      const { key, sourceIp } = this.anonymous.keyOf(f);
      const overflow = sourceIp === OVERFLOW_SOURCE ? { sourceIp, mac: null, deviceId: null, tenantId: null } : {};
      s.countAnonymous.run({ ...params, ...overflow, anonKey: key });
    }
    if (seen && f.deviceId !== null) {
      // TFTP has no User-Agent: keep the one the phone last sent over HTTP (coalesce keeps it).
      s.touchDevice.run(f.at, f.sourceIp, f.transport === "tftp" ? null : f.userAgent, seen.firmware, seen.baseUrl ?? null, f.deviceId);
    }
  }

  private prepared: ReturnType<typeof prepareStatements> | null = null;

  /** Prepared once: building a drizzle insert per row was a visible cost of a boot storm. */
  private statements(): ReturnType<typeof prepareStatements> {
    return (this.prepared ??= prepareStatements(this.db));
  }


  private writeDiscovery(tx: Db, d: Discovery): void {
    writeDiscovery(tx, d, { maxEntries: this.discoveryMax, maxPerNetwork: this.inbox.maxPerNetwork ?? this.discoveryMax });
    const days = this.inbox.retentionDays ?? 0;
    // Age out at most once a minute, inside a flush that writes the inbox anyway.
    if (days > 0 && d.at - this.lastPrune > 60_000) {
      this.lastPrune = d.at;
      pruneDiscovered(tx, d.at - days * 86_400_000);
    }
  }

  private lastPrune = 0;

}
