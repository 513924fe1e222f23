/**
 * The server side of `npm run bench:memory` (bench/memory.ts): `phonehome serve`'s startServer in
 * a process started with `--expose-gc`, answering the parent's IPC messages with a breakdown of
 * its memory. Each thread's heap is read in that thread: the main thread's with
 * process.memoryUsage(), every worker's (the fetch-log thread) through the inspector's
 * NodeWorker domain, which evaluates process.memoryUsage() in the worker's own isolate after a
 * forced GC there. Native memory is what /proc/self/smaps_rollup says beyond the heaps.
 *
 *   node --expose-gc --import tsx bench/memory-server.ts DATA_DIR PORT
 */
import { Session } from "node:inspector";
import { readFileSync } from "node:fs";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { startServer } from "../src/server.ts";

const [dataDir, port] = process.argv.slice(2);
const config = loadConfig({ dataDir, httpPort: Number(port), httpHost: "127.0.0.1", apiPort: 0, apiHost: "127.0.0.1", tftpPort: 0, logLevel: "warn" }, process.env);

const session = new Session();
session.connect();
const post = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as T))));

interface WorkerSession {
  readonly sessionId: string;
  readonly url: string;
}
const workers: WorkerSession[] = [];
let nextId = 1;
const pending = new Map<number, (result: unknown) => void>();
session.on("NodeWorker.attachedToWorker", (m) => {
  const p = m.params as { sessionId: string; workerInfo: { url: string } };
  workers.push({ sessionId: p.sessionId, url: `${(p.workerInfo as unknown as { title: string }).title} ${p.workerInfo.url}` });
});
session.on("NodeWorker.detachedFromWorker", (m) => {
  const i = workers.findIndex((w) => w.sessionId === (m.params as { sessionId: string }).sessionId);
  if (i >= 0) workers.splice(i, 1);
});
session.on("NodeWorker.receivedMessageFromWorker", (m) => {
  const msg = JSON.parse((m.params as { message: string }).message) as { id?: number; result?: { result?: { value?: unknown } } };
  if (msg.id !== undefined) pending.get(msg.id)?.(msg.result?.result?.value);
});
await post("NodeWorker.enable", { waitForDebuggerOnStart: false });

/** Evaluates `expression` in a worker's isolate and returns its value. */
function inWorker(w: WorkerSession, expression: string): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    void post("NodeWorker.sendMessageToWorker", { sessionId: w.sessionId, message: JSON.stringify({ id, method: "Runtime.evaluate", params: { expression, returnByValue: true, awaitPromise: true } }) });
  });
}

const server = await startServer(config, pino({ level: "warn" }));
const rt = server.runtime;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("start with node --expose-gc");

function smaps(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync("/proc/self/smaps_rollup", "utf8").split("\n")) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

const MEASURE_IN_WORKER = "(globalThis.gc?.(), globalThis.gc?.(), process.memoryUsage())";

async function measure(): Promise<object> {
  // Everything recorded is written (the fetch-log thread's batches, the served copies) before GC.
  await rt.recorder.settle();
  gc!();
  gc!();
  const main = process.memoryUsage();
  const threads = [];
  for (const w of workers) threads.push({ url: w.url.split(" ").map((x) => x.replace(/^.*\//, "")).join(" "), ...(await inWorker(w, MEASURE_IN_WORKER) as NodeJS.MemoryUsage) });
  const keeper = (rt.recorder as unknown as { served: { handedOver: Map<string, string> } }).served;
  const sqlite = rt.db.$client;
  return {
    main,
    threads,
    smaps: smaps(),
    cache: rt.renderCache?.size ?? null,
    cacheSizeKiB: sqlite.pragma("cache_size", { simple: true }),
    pageSize: sqlite.pragma("page_size", { simple: true }),
    servedHandedOver: keeper.handedOver.size,
  };
}

/** RSS freed by emptying one structure, then GC: what it held (the ablation part of the breakdown). */
async function without(what: string): Promise<object> {
  const before = await measure();
  const cache = rt.renderCache as unknown as { entries: Map<string, unknown>; bytes: number; devices: { rows: Map<number, unknown> } } | undefined;
  if (what === "cache" && cache) {
    cache.entries.clear();
    cache.bytes = 0;
  } else if (what === "devices" && cache) cache.devices.rows.clear();
  else if (what === "served") (rt.recorder as unknown as { served: { handedOver: Map<string, string> } }).served.handedOver.clear();
  else if (what === "sqlite") rt.db.$client.pragma("shrink_memory");
  const after = await measure();
  return { what, before, after };
}

process.on("message", (m: { t: string; what?: string }) => {
  const answer = m.t === "measure" ? measure() : without(m.what ?? "");
  void answer.then((value) => process.send!({ t: m.t, what: m.what, value }));
});
process.send!({ t: "ready", port: server.httpPort });
