import { Worker, type WorkerOptions } from "node:worker_threads";

const BOOT = new URL("./thread-boot.mjs", import.meta.url);

/** Starts a worker thread running the TypeScript module `entry` (a URL next to the caller's module). */
export function startThread(entry: URL, options: Omit<WorkerOptions, "argv"> = {}): Worker {
  return new Worker(BOOT, { ...options, argv: [entry.href] });
}
