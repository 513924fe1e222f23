import type { Worker } from "node:worker_threads";
import { startThread } from "../threads.ts";
import type { FetchLogBatch, FetchLogWriterOptions } from "./fetch-log-writer.ts";
import { packBatch, type PackedBatch } from "./fetch-log-wire.ts";
import type { WantedBody } from "./served-files.ts";

/** What the server gives its fetch-log thread (src/runtime.ts). */
export interface FetchLogThreadSettings {
  /** Opened there to seal the last served copy of each device file; without it none is kept. */
  readonly secretKeyFile?: string;
  /** The thread's busy_timeout: waiting for another process's lock there costs the event loop nothing. */
  readonly busyTimeoutMs: number;
}

/** workerData of the fetch-log thread. */
export interface FetchLogJob extends FetchLogThreadSettings {
  readonly dbPath: string;
  readonly flushMs: number;
  readonly writer: FetchLogWriterOptions;
  /** Int32Array over it: [0] the last drain the thread has answered, [1] 1 once the thread has started. */
  readonly signal: SharedArrayBuffer;
}

export type ToFetchLog = { t: "batch"; batch: PackedBatch } | { t: "drain"; seq: number } | { t: "close" };
export type FromFetchLog = { t: "error"; message: string; stack?: string } | { t: "want"; files: WantedBody[] };

const ENTRY = new URL("./fetch-log-worker.ts", import.meta.url);
/** How long a drain waits for a thread that has not started yet: its modules load first. */
const BOOT_MS = 30_000;

/**
 * The server's side of the fetch-log thread (fetch-log-worker.ts): batches are posted (a structured
 * clone of flat arrays, fetch-log-wire.ts: the only cost left on the event loop), written there in order. The thread starts with the
 * first batch (or `start()`), so a CLI command that records nothing never starts one.
 *
 * `drain()` blocks this thread (Atomics.wait) until the thread has written every batch posted
 * before it, for at most the thread's busy timeout plus two seconds: it is for the rare callers that
 * read the fetch log right after recording (the bootstrap window, /metrics, tests), never for the
 * request path.
 */
export class FetchLogThread {
  private worker: Worker | null = null;
  private readonly signal = new SharedArrayBuffer(8);
  private readonly answered = new Int32Array(this.signal);
  private seq = 0;

  constructor(
    private readonly job: Omit<FetchLogJob, "signal">,
    private readonly onError: (error: unknown) => void,
    /** Device files whose served body the thread needs whole (served-files.ts). */
    private readonly onWant: (files: readonly WantedBody[]) => void = () => {},
  ) {}

  /** Whether the thread has started and loaded its modules (until then the recorder writes on its own thread). */
  ready(): boolean {
    if (!this.worker) this.start();
    return Atomics.load(this.answered, 1) === 1;
  }

  write(batch: FetchLogBatch): void {
    this.start().postMessage({ t: "batch", batch: packBatch(batch) } satisfies ToFetchLog);
    this.posted = true;
  }

  /** A batch was posted since the last drain. */
  private posted = false;

  drain(): void {
    if (!this.worker || !this.posted) return;
    this.posted = false;
    const { seq, deadline } = this.askDrain();
    for (;;) {
      const seen = Atomics.load(this.answered, 0);
      const left = this.waitLeft(seq, seen, deadline);
      if (left === 0) return;
      Atomics.wait(this.answered, 0, seen, left);
    }
  }

  /**
   * drain() without blocking: resolves once the thread has written every batch posted before it,
   * or after the same bound (then reported through onError). For periodic work on the event loop
   * that needs the fetch log (the registration tracker), where a blocking drain would stall every
   * phone request queued behind it.
   */
  async settle(): Promise<void> {
    if (!this.worker) return;
    const { seq, deadline } = this.askDrain();
    for (;;) {
      const seen = Atomics.load(this.answered, 0);
      const left = this.waitLeft(seq, seen, deadline);
      if (left === 0) return;
      // Waits only while the value is still `seen`: an answer between the read and the wait ends it at once.
      const wait = Atomics.waitAsync(this.answered, 0, seen, left);
      if (wait.async) await wait.value;
    }
  }

  /** Asks the thread to answer once every batch posted so far is written; a thread still starting (loading its modules) gets up to BOOT_MS more. */
  private askDrain(): { seq: number; deadline: number } {
    const seq = ++this.seq;
    this.worker!.postMessage({ t: "drain", seq } satisfies ToFetchLog);
    return { seq, deadline: Date.now() + this.job.busyTimeoutMs + 2000 + (Atomics.load(this.answered, 1) ? 0 : BOOT_MS) };
  }

  /** How long to wait more for drain `seq`, the thread having answered `seen`: 0 once answered, or past the deadline (then reported). */
  private waitLeft(seq: number, seen: number, deadline: number): number {
    if (seen >= seq) return 0;
    const left = deadline - Date.now();
    if (left <= 0) this.onError(new Error("the fetch-log thread did not answer in time; its rows are written when it does"));
    return Math.max(0, left);
  }

  close(): void {
    if (!this.worker) return;
    this.worker.postMessage({ t: "close" } satisfies ToFetchLog);
    this.worker = null;
  }

  /** Starts the thread now rather than at the first batch (the server, so its first flush does not wait for it). */
  start(): Worker {
    if (this.worker) return this.worker;
    const worker = startThread(ENTRY, { workerData: { ...this.job, signal: this.signal } satisfies FetchLogJob });
    // The thread never keeps a process alive: close() (the runtime's) drains it first.
    worker.unref();
    worker.on("message", (m: FromFetchLog) => {
      if (m.t === "want") this.onWant(m.files);
      else this.onError(Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {}));
    });
    worker.on("error", (err) => this.onError(err));
    worker.on("exit", (code) => {
      if (this.worker === worker) {
        this.worker = null;
        if (code !== 0) this.onError(new Error(`the fetch-log thread stopped (exit code ${code}); the next batch starts a new one`));
      }
    });
    this.worker = worker;
    return worker;
  }
}
