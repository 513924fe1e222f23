import { DatabaseBusyError } from "../db/busy.ts";
import type { Db } from "../db/client.ts";
import { FetchLogThread, type FetchLogThreadSettings } from "./fetch-log-thread.ts";
import { boundKept, droppedMessage, FetchLogWriter, type FetchLogBatch } from "./fetch-log-writer.ts";
import { ServedFileKeeper } from "./served-files.ts";

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
 * Buffers fetch-log rows, device last-seen updates, discovery-inbox entries and served copies, and
 * hands them over as one batch every `flushMs` (or at 500 entries), written in one transaction: a
 * boot storm costs one fsync per batch instead of one per request, and a crash loses at most one
 * batch of log rows, never configuration.
 *
 * Where the batch is written (FetchLogWriter): with `thread` settings (the server, on a database
 * file), in a worker thread with its own connection (fetch-log-thread.ts), so neither the inserts
 * nor a wait for another process's write lock (a CLI import) run on the event loop that answers
 * phones. Otherwise (an in-memory test database), and while the thread is still loading, on this
 * thread, trying the lock without waiting and keeping the rows for the next batch. `flush()` returns once everything recorded before it is
 * written (or, past the lock, kept for the next try): callers that read the fetch log right after
 * (the bootstrap window, /metrics, the registration check, tests) see every fetch.
 */
export class FetchRecorder {
  private fetches: FetchRecord[] = [];
  private discoveries: Discovery[] = [];
  private readonly served = new ServedFileKeeper();
  private timer: NodeJS.Timeout | null = null;
  private readonly writer: FetchLogWriter;
  private readonly thread: FetchLogThread | null;
  /** Fetch-log rows given up while the database stayed locked (memory bound); 0 in normal operation. */
  dropped = 0;
  /** After meeting the lock, no flush before this time (no attempt per request while an import writes). */
  private lockedUntil = 0;

  /** `anonymousRowsPerMinute`: distinct rows unauthenticated traffic may add per minute (config). */
  constructor(
    private readonly db: Db,
    private readonly flushMs: number,
    discoveryMax: number,
    private readonly onError: (error: unknown) => void,
    anonymousRowsPerMinute = 1000,
    /** Discovery-inbox caps and retention (src/provisioning/discovery-inbox.ts). */
    inbox: { readonly maxPerNetwork?: number; readonly retentionDays?: number } = {},
    options: {
      /** Seals the last served copy of each device file (table served_files); without it none is kept. */
      readonly seal?: (plain: string) => string;
      /** Write in a worker thread (the server): the database file is opened there a second time. Give `seal` with it (and its key file here). */
      readonly thread?: FetchLogThreadSettings;
    } = {},
  ) {
    const writerOptions = { discoveryMax, anonymousRowsPerMinute, inbox };
    this.keepsCopies = Boolean(options.seal);
    this.writer = new FetchLogWriter(db, writerOptions, options.seal ?? null);
    this.thread = options.thread
      ? new FetchLogThread({ ...options.thread, dbPath: db.$client.name, flushMs, writer: writerOptions }, onError, (files) => this.served.forget(files))
      : null;
  }

  private readonly keepsCopies: boolean;

  record(entry: FetchRecord): void {
    // The served copy goes to the keeper; the row keeps its reference until the batch leaves (no copy of the row per fetch).
    const copy = entry.servedCopy;
    if (copy && this.keepsCopies && entry.deviceId !== null && entry.configHash) this.served.add(entry.deviceId, entry.fileName, entry.configHash, copy.plain, copy.secrets, entry.at);
    this.fetches.push(entry);
    this.schedule();
  }

  discover(entry: Discovery): void {
    this.discoveries.push(entry);
    this.schedule();
  }

  private schedule(): void {
    if (this.fetches.length + this.discoveries.length >= 500 && Date.now() >= this.lockedUntil) this.send();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.flushMs);
      this.timer.unref();
    }
  }

  /** Hands the buffered entries to the writer without waiting for them to be written. */
  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.fetches.length && !this.discoveries.length && !this.served.size) return;
    const batch: FetchLogBatch = { fetches: this.fetches, discoveries: this.discoveries, served: this.served.take() };
    this.fetches = [];
    this.discoveries = [];
    // Until the thread has loaded (the server's first second or two), batches are written here.
    if (this.thread?.ready()) return this.thread.write(batch);
    try {
      // Never block the event loop on another process's lock (a CLI import): try, and keep the rows for the next flush.
      this.served.forget(withBusyTimeout(this.db, 0, () => this.writer.write(batch)));
    } catch (error) {
      if (error instanceof DatabaseBusyError) return this.keep(batch);
      this.onError(error);
    }
  }

  /** Writes everything recorded so far, and returns once it is written (or kept, past the lock). */
  flush(): void {
    this.send();
    this.thread?.drain();
  }

  /** flush() without blocking the event loop: resolves once everything recorded before it is written. */
  settle(): Promise<void> {
    this.send();
    return this.thread?.settle() ?? Promise.resolve();
  }

  /** Whether batches now go to the writer thread (it has loaded); false without one. */
  inThread(): boolean {
    return this.thread?.ready() ?? false;
  }

  /** Starts the writer thread now, if there is one (the server, before it listens). */
  start(): void {
    this.thread?.start();
  }

  /** Flushes, then stops the writer thread (the runtime closes). */
  close(): void {
    this.flush();
    this.thread?.close();
  }

  /** Rows that met the lock go back in front of the buffer (bounded by boundKept; what it gives up is counted). */
  private keep(batch: FetchLogBatch): void {
    this.lockedUntil = Date.now() + this.flushMs;
    this.fetches = batch.fetches.concat(this.fetches);
    this.discoveries = batch.discoveries.concat(this.discoveries);
    this.served.giveBack(batch.served);
    const over = boundKept(this.fetches, this.discoveries);
    if (over > 0) {
      this.dropped += over;
      this.onError(new Error(droppedMessage(this.dropped)));
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.send(), this.flushMs);
      this.timer.unref();
    }
  }
}

/** Runs `fn` with the connection's busy_timeout set to `ms`, then puts it back. */
function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  const client = db.$client;
  const wait = client.pragma("busy_timeout", { simple: true }) as number;
  client.pragma(`busy_timeout = ${ms}`);
  try {
    return fn();
  } finally {
    client.pragma(`busy_timeout = ${wait}`);
  }
}
