import { parentPort, workerData } from "node:worker_threads";
import { openDb } from "../db/client.ts";
import { openSqliteData } from "../db/data-sqlite.ts";
import { AppError } from "../errors.ts";
import { attachKamailioToData } from "../pbx/kamailio-db.ts";
import { createKeyRingBox } from "../secret-key-ring.ts";
import { withActor } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { readCsv, readDeviceCsv } from "./csv-source.ts";
import { EXTENSION_CSV } from "./extension-columns.ts";
import { importExtensions } from "./extension-import.ts";
import { importDevices } from "./import.ts";
import { onlyTenants } from "./planner.ts";
import type { FromWorker, ToWorker, WorkerJob } from "./off-thread.ts";

/**
 * The CSV import's worker thread (src/onboarding/off-thread.ts): parses, checks and writes one file
 * on its own connections to the SQLite file (through its own `Data`, with the Kamailio file attached
 * to its writer when there is one), so the server's event loop
 * keeps serving phones while the write transaction runs. SQLite in WAL mode lets the server's
 * connections keep reading meanwhile; the server's own writes (the fetch log) wait in memory for the
 * lock (fetch-recorder.ts).
 *
 * The file arrives in chunks from the main thread, each acknowledged ("pull") once consumed, so a
 * bounded number of bytes is in flight (WINDOW_BYTES): the file is never held whole, and a refusal
 * (a malformed line, a file past importMaxRows) stops the upload where it is.
 */
const job = workerData as WorkerJob;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

const queue: (Uint8Array | null)[] = [];
let wake: (() => void) | null = null;
port.on("message", (m: ToWorker) => {
  queue.push(m.t === "chunk" ? m.bytes : null);
  wake?.();
});

async function* body(): AsyncGenerator<Uint8Array> {
  for (;;) {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    const chunk = queue.shift()!;
    if (chunk === null) return;
    yield chunk;
    post({ t: "pull", bytes: chunk.byteLength });
  }
}

async function run(): Promise<void> {
  // The main thread already migrated the database and checked the key file (src/runtime.ts).
  const db = openDb(job.dbPath, { busyTimeoutMs: job.busyTimeoutMs, migrate: false });
  const data = openSqliteData(job.dbPath, { lockTimeoutMs: job.busyTimeoutMs, migrate: false });
  try {
    const secrets = createKeyRingBox(job.secretKeyFile);
    // The main thread brought the subscriber rows in line when it attached the file (src/runtime.ts).
    if (job.kamailioDb) attachKamailioToData(data, job.kamailioDb);
    // The server's clock, kept as an offset (a test's fixed clock moves on with real time here).
    const deps: ServiceDeps = { db, data, secrets, clock: () => new Date(Date.now() + job.clockOffsetMs) };
    const limits = { maxRows: job.maxRows };
    // Progress for the portal's import page; posted from inside the write transaction too, which
    // the main thread receives at once (it does not wait for this thread's event loop).
    let checked = 0;
    const onChecked = (rows: number) => {
      checked = rows;
      post({ t: "progress", progress: { checked, written: 0, total: null } });
    };
    const onWritten = (written: number, total: number) => post({ t: "progress", progress: { checked, written, total } });
    const report =
      job.kind === "devices"
        ? await importDevices(deps, readDeviceCsv(body(), { bytes: 0 }, limits), {
            dryRun: job.dryRun,
            actor: job.actor,
            source: "csv",
            fileName: job.fileName,
            onChecked,
            onWritten,
            ...(job.onlyTenants ? { tenantRefused: onlyTenants(job.onlyTenants) } : {}),
          })
        : await withActor(job.actor, () =>
            importExtensions(deps, job.tenant!, readCsv(body(), EXTENSION_CSV, { bytes: 0 }, limits), { dryRun: job.dryRun, actor: job.actor, fileName: job.fileName, onChecked }),
          );
    post({ t: "done", report });
  } finally {
    db.$client.close();
    await data.close();
  }
}

run().catch((err: unknown) => {
  if (err instanceof AppError) post({ t: "refused", status: err.status, code: err.code, message: err.message, details: err.details === undefined ? undefined : JSON.parse(JSON.stringify(err.details)) });
  else post({ t: "failed", message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
});
