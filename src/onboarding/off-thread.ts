import { DatabaseBusyError } from "../db/busy.ts";
import { AppError, payloadTooLarge } from "../errors.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { startThread } from "../threads.ts";
import type { ImportReport } from "./import.ts";

/**
 * Runs a CSV import (devices or a tenant's extensions) in a worker thread with its own database
 * connection (src/onboarding/import-worker.ts), so that the server's event loop keeps answering
 * phones and the API while the file is parsed, checked and written. Before, the write phase ran on
 * the event loop: 100,000 rows froze every phone for seconds, 1.75 M rows for over a minute.
 *
 * What stays as it was: the same importer code, the same report, errors and audit; all rows in one
 * transaction or none (the worker commits or its connection goes away with the transaction open,
 * which SQLite rolls back, as after `kill -9`). What the server bounds:
 * - the file streams to the worker with at most WINDOW_BYTES in flight (never held whole);
 * - `importMaxRows` rows per file, refused at the next row without reading the rest;
 * - one import at a time per server, and a heap cap per worker (WORKER_HEAP_MB).
 */
export interface ImportWorkerSettings {
  readonly secretKeyFile: string;
  /** The worker's busy timeout (config dbLockTimeoutMs): blocking there costs the server nothing. */
  readonly busyTimeoutMs: number;
  /** The Kamailio database the server keeps current (config kamailioDb), attached in the worker too. */
  readonly kamailioDb?: string;
}

export interface ImportJob {
  readonly kind: "devices" | "extensions";
  /** Extensions: the tenant whose extensions the file holds. */
  readonly tenant?: string;
  readonly maxRows: number;
  readonly dryRun: boolean;
  readonly actor: string;
  readonly fileName: string | null;
  /** Devices: the tenants an account limited to some tenants may onboard phones of (the portal). */
  readonly onlyTenants?: readonly string[];
}

/** What the worker is started with (workerData). */
export interface WorkerJob extends ImportJob, ImportWorkerSettings {
  readonly dbPath: string;
  /** The server clock minus Date.now(), so that a shifted test clock holds in the worker too. */
  readonly clockOffsetMs: number;
}

/** How far an import has got: rows checked so far; once checked, devices written of the total. */
export interface ImportProgress {
  readonly checked: number;
  readonly written: number;
  /** Rows to write, known once every row is checked; null while checking. */
  readonly total: number | null;
}

export type ToWorker = { t: "chunk"; bytes: Uint8Array } | { t: "end" };
export type FromWorker =
  | { t: "pull"; bytes: number }
  | { t: "progress"; progress: ImportProgress }
  | { t: "done"; report: ImportReport<string> }
  | { t: "refused"; status: number; code: string; message: string; details?: unknown }
  | { t: "failed"; message: string; stack?: string };

const ENTRY = new URL("./import-worker.ts", import.meta.url);
/**
 * Bytes of the upload sent to the worker and not yet consumed by its CSV parser. Large enough that a
 * file of importMaxRows' default (200,000 rows, about 16 MB) is received at network speed while the
 * worker starts and checks it, so a slow check does not run the request into httpRequestTimeoutMs;
 * small enough to bound memory. Past it, the upload is read as fast as the worker consumes it.
 */
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Heap of one import worker: about 4x what importMaxRows' default (200,000 rows) needs. */
const WORKER_HEAP_MB = 1536;

const DEFAULT_IMPORT_MAX_ROWS = 200_000;

const importRunning = (): AppError =>
  new AppError(503, "import_running", "another CSV import is running on this server; nothing was written. Send the file again when it has finished");

function rebuild(m: Extract<FromWorker, { t: "refused" }>): AppError {
  if (m.code === "database_busy") {
    const busy = new DatabaseBusyError(0);
    busy.message = m.message;
    return busy;
  }
  return new AppError(m.status, m.code, m.message, m.details);
}

export class ImportRunner {
  private running = 0;

  constructor(private readonly settings: ImportWorkerSettings) {}

  /** Whether `deps.db` is a file another connection can open (an in-memory test database is not). */
  static canRun(deps: ServiceDeps): boolean {
    const client = deps.db.$client;
    return !client.memory && client.name !== "" && client.name !== ":memory:";
  }

  /** `onProgress` follows the worker's checking and writing (src/onboarding/import-worker.ts). */
  async run(deps: ServiceDeps, job: ImportJob, body: AsyncIterable<Uint8Array>, onProgress?: (p: ImportProgress) => void): Promise<ImportReport<string>> {
    if (this.running > 0) throw importRunning();
    this.running++;
    const data: WorkerJob = { ...this.settings, ...job, dbPath: deps.db.$client.name, clockOffsetMs: deps.clock().getTime() - Date.now() };
    const worker = startThread(ENTRY, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    let inFlight = 0;
    let settled = false;
    let wake: (() => void) | null = null;
    const settle = () => {
      settled = true;
      wake?.();
    };
    const result = new Promise<ImportReport<string>>((resolve, reject) => {
      worker.on("message", (m: FromWorker) => {
        if (m.t === "pull") {
          inFlight -= m.bytes;
          wake?.();
          return;
        }
        if (m.t === "progress") {
          onProgress?.(m.progress);
          return;
        }
        settle();
        if (m.t === "done") resolve(m.report);
        else if (m.t === "refused") reject(rebuild(m));
        else reject(Object.assign(new Error(`the CSV import failed: ${m.message}`), { stack: m.stack }));
      });
      worker.on("error", (err: Error & { code?: string }) => {
        settle();
        reject(
          err.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? payloadTooLarge(`the import ran out of memory (${WORKER_HEAP_MB} MB); nothing was written. Split the file, or lower importMaxRows`)
            : err,
        );
      });
      worker.on("exit", (code) => {
        if (settled) return;
        settle();
        reject(new Error(`the CSV import stopped (exit code ${code}) before it answered; nothing was written`));
      });
    });
    const pump = async () => {
      for await (const chunk of body) {
        while (inFlight >= WINDOW_BYTES && !settled) await new Promise<void>((r) => (wake = r));
        wake = null;
        // The worker answered (a malformed line, a file past importMaxRows): the rest is not read.
        if (settled) return;
        inFlight += chunk.byteLength;
        const bytes = new Uint8Array(chunk); // its own buffer, moved to the worker without a second copy
        worker.postMessage({ t: "chunk", bytes } satisfies ToWorker, [bytes.buffer]);
      }
      if (!settled) worker.postMessage({ t: "end" } satisfies ToWorker);
    };
    const pumped = pump();
    try {
      // An upload that fails (past importBodyLimitBytes, the client gone) answers at once: the
      // worker never got "end", so it is still checking and has written nothing.
      return await Promise.race([result, pumped.then(() => result)]);
    } finally {
      pumped.catch(() => {});
      result.catch(() => {});
      this.running--;
      await worker.terminate();
    }
  }
}

/**
 * Runs an import through the worker when the server has one and its database is a file, else in
 * this process (`inProcess`: the CLI's way, and an in-memory database in tests): same report, errors
 * and row limit.
 */
export function runImport(
  deps: ServiceDeps,
  options: { readonly importMaxRows?: number; readonly imports?: ImportRunner },
  job: Omit<ImportJob, "maxRows">,
  body: AsyncIterable<Uint8Array>,
  inProcess: (body: AsyncIterable<Uint8Array>, maxRows: number) => Promise<ImportReport<string>>,
  onProgress?: (p: ImportProgress) => void,
): Promise<ImportReport<string>> {
  const maxRows = options.importMaxRows ?? DEFAULT_IMPORT_MAX_ROWS;
  return options.imports && ImportRunner.canRun(deps) ? options.imports.run(deps, { ...job, maxRows }, body, onProgress) : inProcess(body, maxRows);
}
