/**
 * What phonehome's own code costs per cached fetch, in process: identify, the generation and MAC
 * read, authorize, the render-cache hit, the fetch counter and the fetch recorder (its batches go
 * to the fetch-log thread as in the server), for N phones in a `network`-mode tenant fetched at
 * random. No HTTP parser, no socket, no wrk: the figure is the part of a request that is ours, and
 * it is CPU time of the event loop's thread (from /proc), so other work on the machine moves it
 * little. bench:storm measures the whole request next to a bare server.
 *
 *   npm run bench:hit -- [--phones 10000] [--fetches 150000] [--rounds 3]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import type { ProvisioningRequest } from "../src/domain/provisioning-request.ts";
import { countFetch } from "../src/metrics/metrics.ts";
import { fetchRecord } from "../src/provisioning/deliver.ts";
import { provision, type ProvisionResult } from "../src/provisioning/provision.ts";
import { createRuntime } from "../src/runtime.ts";
import { seedStorm } from "./storm-seed.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback);
const PHONES = arg("phones", 10_000);
const FETCHES = arg("fetches", 150_000);
const ROUNDS = arg("rounds", 3);

/** CPU seconds of one thread of this process (utime + stime, USER_HZ 100). */
function threadSeconds(tid: number): number {
  const f = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}
const allThreadsSeconds = () => readdirSync("/proc/self/task").reduce((s, t) => s + threadSeconds(Number(t)), 0);

const dir = mkdtempSync(join(tmpdir(), "phonehome-hit-"));
try {
  const dataDir = join(dir, "data");
  const paths = await seedStorm(dataDir, PHONES);
  const rt = createRuntime(loadConfig({ dataDir, logLevel: "silent" }, {}), pino({ level: "silent" }));
  rt.recorder.start();
  const request = (i: number): ProvisioningRequest => ({
    transport: "http",
    fileName: paths[i]!.slice(1),
    userAgent: "Yealink SIP-T54W 96.86.0.100 805ec0000000",
    remoteAddress: "127.0.0.1",
    requestUrl: "http://127.0.0.1:8080",
  });
  const check = (req: ProvisioningRequest, result: ProvisionResult) => {
    if (result.outcome !== "served") throw new Error(`${req.fileName}: ${result.outcome}`);
    countFetch(rt.metrics, "http", "served", result);
    rt.recorder.record(fetchRecord({ at: Date.now(), req, outcome: "served", status: 200, result, bytes: null }));
  };
  // A hit is answered synchronously (SQLite): a promise here would be a miss, which this benchmark does not measure.
  const fetchOne = (i: number) => {
    const req = request(i);
    const result = provision(req, rt, null);
    if (result instanceof Promise) throw new Error(`${req.fileName}: not answered from the render cache`);
    check(req, result);
  };
  const renderOne = async (i: number) => {
    const req = request(i);
    check(req, await provision(req, rt, null));
  };
  // First renders, then the fetch-log thread catches up.
  for (let i = 0; i < PHONES; i++) await renderOne(i);
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`${PHONES} phones, ${FETCHES} cached fetches per round at random phones`);
  for (let round = 0; round < ROUNDS; round++) {
    const [main0, all0] = [threadSeconds(process.pid), allThreadsSeconds()];
    for (let n = 0; n < FETCHES; ) {
      for (let k = 0; k < 200 && n < FETCHES; k++, n++) fetchOne(Math.floor(Math.random() * PHONES));
      // Let timers and the thread's messages run, as between a server's requests.
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 400));
    const main = ((threadSeconds(process.pid) - main0) * 1e6) / FETCHES;
    const all = ((allThreadsSeconds() - all0) * 1e6) / FETCHES;
    console.log(`  round ${round + 1}: ${main.toFixed(1)} us CPU per fetch on the event loop's thread, ${all.toFixed(1)} us with every thread (fetch-log writes included)`);
  }
  rt.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
