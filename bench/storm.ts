/**
 * Boot storm at the speed of a static file server: N Yealink T54W phones in a tenant whose
 * `authMode` is `network` (no Digest round trip), fetched at random by `wrk` (one thread, 64
 * connections), against `phonehome serve` and, in the same run, a bare `node:http` server that
 * answers phonehome's own bytes from a Map (bench/storm-bare.ts). Both with keep-alive and with
 * `Connection: close`. Prints req/s, p50/p99 and the ratio phonehome / bare.
 *
 *   npm run bench:storm -- [--phones 10000] [--connections 64] [--seconds 10]
 *   npm run bench:storm -- --phones 100000
 *   npm run bench:storm -- --bin OTHER_CHECKOUT/bin/phonehome.mjs   # another build, same seeding and baseline
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { seedStorm } from "./storm-seed.ts";
import { stop } from "./child.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PHONES = arg("phones", 10_000);
const CONNECTIONS = arg("connections", 64);
const SECONDS = arg("seconds", 10);
const PORT = arg("port", 18_490);
const BARE_PORT = PORT + 1;
/** `--bin OTHER_CHECKOUT/bin/phonehome.mjs`: the same run against another build (same schema). */
const BIN = args.includes("--bin") ? resolve(args[args.indexOf("--bin") + 1]!) : fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function get(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, headers: { "user-agent": "Yealink SIP-T54W 96.86.0.100 80:5e:c0:00:00:00" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function waitFor(port: number, path: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await get(port, path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU seconds used by a process, all its threads (utime + stime of /proc/PID/stat); `children` those of its reaped children. */
function cpuSeconds(pid: number | "self", children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // After "(comm) ": field 3 is state, so utime (14) is index 11, stime 12, cutime 13, cstime 14.
  const at = children ? 13 : 11;
  return (Number(fields[at]) + Number(fields[at + 1])) / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds of a process's main thread alone (its event loop: the thread id is the process id). */
function mainThreadSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Measured extends WrkResult {
  readonly serverCores: number;
  readonly wrkCores: number;
  /** CPU microseconds per answered request: all the server's threads, and its main thread alone. */
  readonly cpuPerRequest: number;
  readonly mainPerRequest: number;
}

/**
 * Runs wrk against `port` and measures the cores the server (`pid`) and wrk used meanwhile, and the
 * server's CPU time per request: on a machine other work also loads, req/s follow the CPU a server
 * was given, while CPU per request stays what a request costs.
 */
function measured(pid: number, port: number, script: string, close: boolean): Measured {
  const [s0, m0, w0, t0] = [cpuSeconds(pid), mainThreadSeconds(pid), cpuSeconds("self", true), performance.now()];
  const r = wrk(port, script, close);
  const wall = (performance.now() - t0) / 1000;
  const [s1, m1] = [cpuSeconds(pid), mainThreadSeconds(pid)];
  const requests = r.rps * wall;
  return { ...r, serverCores: (s1 - s0) / wall, wrkCores: (cpuSeconds("self", true) - w0) / wall, cpuPerRequest: ((s1 - s0) * 1e6) / requests, mainPerRequest: ((m1 - m0) * 1e6) / requests };
}

interface WrkResult {
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  readonly non2xx: number;
}

function wrk(port: number, script: string, close: boolean): WrkResult {
  const header = close ? ["-H", "Connection: close"] : [];
  const run = spawnSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", ...header, "-s", script, `http://127.0.0.1:${port}`], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? "?";
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? "?";
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50, p99, non2xx };
}

async function main(): Promise<void> {
  if (spawnSync("wrk", ["--version"]).error) throw new Error("bench:storm needs wrk (Debian package wrk)");
  const dir = mkdtempSync(join(tmpdir(), "phonehome-storm-"));
  const dataDir = join(dir, "data");
  const t0 = performance.now();
  const paths = seedStorm(dataDir, PHONES);
  console.log(`seeded ${paths.length} Yealink T54W phones (tenant in network mode) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const bin = BIN;
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const startAt = performance.now();
  const server = spawn(process.execPath, [...profile, bin, "serve", "--data-dir", dataDir, "--http-port", String(PORT), "--http-host", "127.0.0.1", "--api-port", "0", "--tftp-port", "0"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PHONEHOME_LOG_LEVEL: "warn" },
  });
  let bare: ChildProcess | null = null;
  try {
    await waitFor(PORT, paths[0]!);
    console.log(`start-up to first answer: ${((performance.now() - startAt) / 1000).toFixed(2)} s`);
    // Every phone fetches once (what the bare server will serve, and a warm phonehome).
    const filesBin = join(dir, "files.bin");
    const bodies = openSync(filesBin, "w");
    const entries: { path: string; type: string; etag: string; offset: number; length: number }[] = [];
    let offset = 0;
    let next = 0;
    const fetchStart = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < paths.length) {
          const path = paths[next++]!;
          const a = await get(PORT, path);
          if (a.status !== 200) throw new Error(`${path}: ${a.status}`);
          writeSync(bodies, a.body);
          entries.push({ path, type: String(a.headers["content-type"]), etag: String(a.headers.etag), offset, length: a.body.length });
          offset += a.body.length;
        }
      }),
    );
    closeSync(bodies);
    const fetchSeconds = (performance.now() - fetchStart) / 1000;
    console.log(
      `every phone fetched once: ${entries.length} files, ${(offset / entries.length / 1024).toFixed(1)} KB on average, ${(entries.length / fetchSeconds).toFixed(0)} fetches/s (32 at a time, first render of each); server RSS ${rssMiB(server.pid!).toFixed(0)} MiB`,
    );
    const filesJson = join(dir, "files.json");
    writeFileSync(filesJson, JSON.stringify(entries));
    // The phone's path is computed in Lua: a table of 100,000 constants is more than LuaJIT takes.
    const script = join(dir, "paths.lua");
    writeFileSync(script, `request = function() return wrk.format("GET", string.format("/805ec0%06x.cfg", math.random(0, ${PHONES - 1}))) end\n`);
    bare = spawn(process.execPath, [...profile, "--import", "tsx", fileURLToPath(new URL("./storm-bare.ts", import.meta.url)), filesJson, filesBin, String(BARE_PORT)], { stdio: ["ignore", "ignore", "inherit"] });
    await waitFor(BARE_PORT, paths[0]!);
    console.log(`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, random phone per request`);
    console.log("                         phonehome req/s   p50      p99      | bare node:http req/s  p50      p99      | ratio");
    const since = () => ((performance.now() - startAt) / 1000).toFixed(1);
    for (const close of [false, true]) {
      const phaseStart = since();
      const ph = measured(server.pid!, PORT, script, close);
      console.log(`  (phonehome ${close ? "Connection: close" : "keep-alive"} from ${phaseStart} s to ${since()} s after its start: profile-top.ts --from/--to)`);
      const b = measured(bare.pid!, BARE_PORT, script, close);
      const label = close ? "Connection: close" : "keep-alive       ";
      if (ph.non2xx || b.non2xx) console.log(`  (non-2xx answers: phonehome ${ph.non2xx}, bare ${b.non2xx})`);
      console.log(
        `  ${label}      ${ph.rps.toFixed(0).padStart(9)}   ${ph.p50.padEnd(8)} ${ph.p99.padEnd(8)} | ${b.rps.toFixed(0).padStart(15)}      ${b.p50.padEnd(8)} ${b.p99.padEnd(8)} | ${(ph.rps / b.rps).toFixed(2)}x`,
      );
      // Where the two cores went: a server using one core while wrk leaves the other idle could gain from a second process.
      console.log(`    cores used: phonehome ${ph.serverCores.toFixed(2)} (all its threads), wrk ${ph.wrkCores.toFixed(2)} | bare ${b.serverCores.toFixed(2)}, wrk ${b.wrkCores.toFixed(2)}`);
      console.log(
        `    CPU per request: phonehome ${ph.cpuPerRequest.toFixed(0)} us (main thread ${ph.mainPerRequest.toFixed(0)} us) | bare ${b.cpuPerRequest.toFixed(0)} us | bare/phonehome main thread ${(b.mainPerRequest / ph.mainPerRequest).toFixed(2)}x`,
      );
    }
    console.log(`server RSS after the storm: ${rssMiB(server.pid!).toFixed(0)} MiB`);
  } finally {
    if (bare) await stop(bare);
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
