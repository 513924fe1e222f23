import { writeTransaction, type Db } from "../db/client.ts";
import { AnonymousKeys, isAuthenticatedFetch, OVERFLOW_SOURCE } from "./anonymous-fetches.ts";
import { pruneDiscovered, writeDiscovery } from "./discovery-inbox.ts";
import type { Discovery, FetchRecord } from "./fetch-recorder.ts";
import { writeServedBodies, type ServedBody, type WantedBody } from "./served-files.ts";

/** Rows held in memory while another process holds the write lock: about a minute of a boot storm. */
const MAX_BUFFERED = 200_000;

/**
 * Bounds the rows kept after a batch met the write lock (the recorder's, or its thread's): past
 * MAX_BUFFERED the oldest go. Returns how many fetch rows were given up.
 */
export function boundKept(fetches: FetchRecord[], discoveries: Discovery[]): number {
  const over = Math.max(0, fetches.length - MAX_BUFFERED);
  fetches.splice(0, over);
  if (discoveries.length > MAX_BUFFERED) discoveries.splice(0, discoveries.length - MAX_BUFFERED);
  return over;
}

export const droppedMessage = (dropped: number): string => `the database stayed locked; ${dropped} fetch-log row(s) dropped so far to bound memory`;

/** One batch of what the fetch recorder buffered: written in one transaction, or not at all. */
export interface FetchLogBatch {
  readonly fetches: readonly FetchRecord[];
  readonly discoveries: readonly Discovery[];
  readonly served: readonly ServedBody[];
}

export interface FetchLogWriterOptions {
  readonly discoveryMax: number;
  /** Distinct rows unauthenticated traffic may add per minute (config anonymousFetchRowsPerMinute). */
  readonly anonymousRowsPerMinute: number;
  /** Discovery-inbox caps and retention (src/provisioning/discovery-inbox.ts). */
  readonly inbox: { readonly maxPerNetwork?: number; readonly retentionDays?: number };
}

/** fetch_log columns written for each fetch, by FetchRecord field name. */
export const FETCH_COLUMNS = [
  "at", "transport", "sourceIp", "fileName", "mac", "deviceId", "tenantId", "userAgent", "outcome", "status", "authMethod",
  "configHash", "bytes", "authUser", "certSubject", "certSerial", "certFailure", "networkRule", "credentials", "encrypted",
] as const satisfies readonly (keyof FetchRecord)[];

const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function prepareStatements(db: Db) {
  const c = db.$client;
  return {
    // Positional parameters: binding twenty named ones per row cost the thread a visible share of a storm.
    insertFetch: c.prepare(`insert into fetch_log (${FETCH_COLUMNS.map(snake).join(", ")}) values (${FETCH_COLUMNS.map(() => "?").join(", ")})`),
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

/**
 * Writes the fetch recorder's batches: fetch-log rows (anonymous ones counted per minute), device
 * last-seen columns, discovery-inbox entries and the last served copy of each device file, in one
 * transaction per batch. It runs where its connection is: in the server's fetch-log thread
 * (fetch-log-thread.ts), or on the caller's thread for a database no second connection can open.
 * `write` throws DatabaseBusyError when another writer holds the lock; nothing was written then.
 */
export class FetchLogWriter {
  private readonly anonymous: AnonymousKeys;
  private prepared: ReturnType<typeof prepareStatements> | null = null;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly options: FetchLogWriterOptions,
    /** Seals a served copy (the secret key); without it no copy is kept. */
    private readonly seal: ((plain: string) => string) | null,
  ) {
    this.anonymous = new AnonymousKeys(options.anonymousRowsPerMinute);
  }

  /** Writes the batch; returns the device files whose served body must come whole next time (served-files.ts). */
  write(batch: FetchLogBatch): WantedBody[] {
    return writeTransaction(this.db, (tx) => {
      for (const f of batch.fetches) this.writeFetch(f);
      for (const d of batch.discoveries) this.writeDiscovery(tx, d);
      return this.seal ? writeServedBodies(this.db, batch.served, this.seal) : []; // the same connection, inside this transaction
    });
  }

  private writeFetch(f: FetchRecord): void {
    const { seen, ...row } = f;
    // Prepared once: building a drizzle insert per row was a visible cost of a boot storm.
    const s = (this.prepared ??= prepareStatements(this.db));
    const values = FETCH_COLUMNS.map((column) => {
      const v = (row as Record<string, unknown>)[column];
      return typeof v === "boolean" ? Number(v) : ((v as string | number | null | undefined) ?? null);
    });
    if (isAuthenticatedFetch(f)) s.insertFetch.run(values);
    else {
      const params = Object.fromEntries(FETCH_COLUMNS.map((column, i) => [column, values[i]]));
      const { key, sourceIp } = this.anonymous.keyOf(f);
      const overflow = sourceIp === OVERFLOW_SOURCE ? { sourceIp, mac: null, deviceId: null, tenantId: null } : {};
      s.countAnonymous.run({ ...params, ...overflow, anonKey: key });
    }
    if (seen && f.deviceId !== null) {
      // TFTP has no User-Agent: keep the one the phone last sent over HTTP (coalesce keeps it).
      s.touchDevice.run(f.at, f.sourceIp, f.transport === "tftp" ? null : f.userAgent, seen.firmware, seen.baseUrl ?? null, f.deviceId);
    }
  }

  private writeDiscovery(tx: Db, d: Discovery): void {
    const max = this.options.discoveryMax;
    writeDiscovery(tx, d, { maxEntries: max, maxPerNetwork: this.options.inbox.maxPerNetwork ?? max });
    const days = this.options.inbox.retentionDays ?? 0;
    // Age out at most once a minute, inside a flush that writes the inbox anyway.
    if (days > 0 && d.at - this.lastPrune > 60_000) {
      this.lastPrune = d.at;
      pruneDiscovered(tx, d.at - days * 86_400_000);
    }
  }
}
