import { parentPort, workerData } from "node:worker_threads";
import { DatabaseBusyError } from "../db/busy.ts";
import { openDb } from "../db/client.ts";
import { createKeyRingBox } from "../secret-key-ring.ts";
import type { FetchLogJob, FromFetchLog, ToFetchLog } from "./fetch-log-thread.ts";
import { boundKept, droppedMessage, FetchLogWriter, type FetchLogBatch } from "./fetch-log-writer.ts";
import { unpackBatch } from "./fetch-log-wire.ts";

/**
 * The server's fetch-log thread (fetch-log-thread.ts): writes the fetch recorder's batches on its
 * own connection, in the order they were posted. When another process holds the write lock past
 * the busy timeout (a CLI import), the rows are kept, bounded (boundKept), and tried again
 * after `flushMs`; the server's event loop never waits for that lock.
 */
const job = workerData as FetchLogJob;
const port = parentPort!;
const answered = new Int32Array(job.signal);
// The main thread already migrated the database and checked the key file (src/runtime.ts).
const db = openDb(job.dbPath, { busyTimeoutMs: job.busyTimeoutMs, migrate: false });
const secrets = job.secretKeyFile ? createKeyRingBox(job.secretKeyFile) : null;
const writer = new FetchLogWriter(db, job.writer, secrets ? (plain) => secrets.seal(plain) : null);

let kept: FetchLogBatch | null = null;
let retry: NodeJS.Timeout | null = null;
let dropped = 0;
const post = (m: FromFetchLog) => port.postMessage(m);
Atomics.store(answered, 1, 1);

function write(batch: FetchLogBatch): void {
  // Rows kept from a locked try go first, so the log stays in order.
  const all: FetchLogBatch = kept
    ? { fetches: kept.fetches.concat(batch.fetches), discoveries: kept.discoveries.concat(batch.discoveries), served: kept.served.concat(batch.served) }
    : batch;
  kept = null;
  try {
    const files = writer.write(all);
    if (files.length) post({ t: "want", files });
  } catch (err) {
    if (!(err instanceof DatabaseBusyError)) {
      post({ t: "error", message: `writing the fetch log failed: ${err instanceof Error ? err.message : String(err)}`, ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) });
      return;
    }
    const fetches = [...all.fetches];
    const discoveries = [...all.discoveries];
    const over = boundKept(fetches, discoveries);
    kept = { fetches, discoveries, served: all.served };
    if (over > 0) {
      dropped += over;
      post({ t: "error", message: droppedMessage(dropped) });
    }
    retry ??= setTimeout(() => {
      retry = null;
      if (kept) write({ fetches: [], discoveries: [], served: [] });
    }, job.flushMs);
  }
}

port.on("message", (m: ToFetchLog) => {
  if (m.t === "batch") write(unpackBatch(m.batch));
  else if (m.t === "drain") {
    // Rows kept from a locked try wait for their timer: a drain does not wait for the lock twice.
    Atomics.store(answered, 0, m.seq);
    Atomics.notify(answered, 0);
  } else {
    if (retry) clearTimeout(retry);
    db.$client.close();
    port.close();
  }
});
