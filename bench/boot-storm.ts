/**
 * Boot storm: N phones fetch their device file with HTTP Digest, each request on a fresh TCP
 * connection (as phones do), at a given concurrency. The server runs as a separate process
 * (`phonehome serve`), so its peak RSS is its own. In the same run, a bare `node:http` server doing
 * the same Digest exchange with phonehome's own bytes (bench/boot-bare.ts) gives the baseline:
 * what Node, this client and the kernel cost per fetch; the ratio is phonehome's over it.
 *
 *   npm run bench:boot -- [--phones 10000] [--concurrency 64] [--reuse]
 *
 * `--reuse`: a phone sends its authenticated request on the connection that got the challenge
 * (keep-alive, as most phones do), still a new connection per phone.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { stop } from "./child.ts";
import { loadConfig } from "../src/config.ts";
import { createRuntime } from "../src/runtime.ts";
import { setKeys, setLines } from "../src/services/device-layout.ts";
import { createDevice, deviceCredentials } from "../src/services/devices.ts";
import { createExtension } from "../src/services/extensions.ts";
import { ExtensionInput, KeyInput, TenantInput } from "../src/services/schemas.ts";
import { createTenant } from "../src/services/tenants.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PHONES = arg("phones", 10_000);
const CONCURRENCY = arg("concurrency", 64);
const HTTP_PORT = arg("port", 18_480);
const BARE_PORT = HTTP_PORT + 1;
const REUSE = args.includes("--reuse");

interface Phone {
  file: string;
  user: string;
  password: string;
}

const FLEET = [
  { vendor: "yealink", model: "T54W", oui: "805ec0", file: (m: string) => `${m}.cfg` },
  { vendor: "polycom", model: "VVX411", oui: "0004f2", file: (m: string) => `${m}-phonehome.cfg` },
  { vendor: "grandstream", model: "GRP2614", oui: "c074ad", file: (m: string) => `cfg${m}.xml` },
] as const;

async function seed(dataDir: string): Promise<Phone[]> {
  const config = loadConfig({ dataDir, logLevel: "silent" }, {});
  const rt = createRuntime(config, pino({ level: "silent" }));
  const phones: Phone[] = [];
  await createTenant(rt, TenantInput.parse({ sipDomain: "bench.example", sipServerHost: "pbx.bench.example", timeZone: "Europe/Berlin" }));
  // Extensions, devices, their lines and keys are written through the asynchronous handle, one transaction each.
  for (let i = 0; i < PHONES; i++) {
    await createExtension(rt, "bench.example", ExtensionInput.parse({ number: String(10_000 + i), displayName: `Phone ${i}` }));
  }
  for (let i = 0; i < PHONES; i++) {
    const f = FLEET[i % FLEET.length]!;
    const mac = `${f.oui}${i.toString(16).padStart(6, "0")}`;
    const device = await createDevice(rt, { mac, vendor: f.vendor, model: f.model, tenant: "bench.example", label: null });
    await setLines(rt, mac, [{ index: 1, extension: String(10_000 + i) }]);
    const neighbours = [1, 2, 3].map((d) => String(10_000 + ((i + d) % PHONES)));
    await setKeys(rt, mac, neighbours.map((n, k) => KeyInput.parse({ index: k + 2, kind: "blf", value: n })));
    const c = deviceCredentials(rt, device);
    phones.push({ file: f.file(mac), user: c.username, password: c.password });
  }
  rt.close();
  return phones;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

interface Answer {
  readonly status: number;
  readonly www?: string;
  readonly type?: string;
  readonly etag?: string;
  readonly body: Buffer;
}

function get(port: number, path: string, agent: Agent | false, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, agent, headers: { "user-agent": "phonehome-bench", ...(authorization ? { authorization } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, www: res.headers["www-authenticate"] as string | undefined, type: res.headers["content-type"], etag: res.headers.etag, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function fetchWithDigest(port: number, p: Phone): Promise<Answer> {
  const path = `/${p.file}`;
  // A new connection per request, or (--reuse) one per phone for both of its requests.
  const agent = REUSE ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
  try {
    const challenge = await get(port, path, agent);
    const nonce = /nonce="([^"]+)"/.exec(challenge.www ?? "")?.[1];
    if (challenge.status !== 401 || !nonce) throw new Error(`expected a challenge for ${path}, got ${challenge.status}`);
    const cnonce = randomBytes(8).toString("hex");
    const ha1 = md5(`${p.user}:phonehome:${p.password}`);
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
    const auth = `Digest username="${p.user}", realm="phonehome", nonce="${nonce}", uri="${path}", response="${response}", qop=auth, nc=00000001, cnonce="${cnonce}"`;
    const res = await get(port, path, agent, auth);
    if (res.status !== 200) throw new Error(`expected 200 for ${path}, got ${res.status}`);
    return res;
  } finally {
    if (agent) agent.destroy();
  }
}

interface StormResult {
  readonly perSecond: number;
  readonly p50: string;
  readonly p99: string;
  readonly bytes: number;
  readonly seconds: number;
}

/** Every phone fetches once through `port`, CONCURRENCY at a time; `keep` sees each 200. */
async function storm(port: number, phones: readonly Phone[], keep: (p: Phone, a: Answer) => void = () => {}): Promise<StormResult> {
  const latencies: number[] = [];
  let next = 0;
  let bytes = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < phones.length) {
        const p = phones[next++]!;
        const s = performance.now();
        const answer = await fetchWithDigest(port, p);
        latencies.push(performance.now() - s);
        bytes += answer.body.length;
        keep(p, answer);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  return { perSecond: phones.length / seconds, p50: pct(0.5), p99: pct(0.99), bytes, seconds };
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function waitForServer(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await get(port, "/cfg.xml", false);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("server did not start");
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "phonehome-bench-"));
  const t0 = performance.now();
  const phones = await seed(dataDir);
  console.log(`seeded ${phones.length} phones (one line, three BLF keys each) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const bin = fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the server there, for finding hot spots.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const server = spawn(process.execPath, [...profile, bin, "serve", "--data-dir", dataDir, "--http-port", String(HTTP_PORT), "--http-host", "127.0.0.1", "--api-port", "0"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const answers = new Map<Phone, Answer>();
  let bare: ReturnType<typeof spawn> | null = null;
  try {
    await waitForServer(HTTP_PORT);
    // Cold: the server has just started, every file is rendered at its first fetch (a power cut).
    // Warm: the same phones again, the server still up (phones rebooted by a resync or a firmware push).
    const cold = await storm(HTTP_PORT, phones, (p, a) => answers.set(p, a));
    const ph = await storm(HTTP_PORT, phones);
    const rss = peakRssMiB(server.pid!);
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));

    // The baseline, with the bytes and headers phonehome served to each phone.
    const index = join(dataDir, "bare.json");
    const blob = join(dataDir, "bare.bin");
    const fd = openSync(blob, "w");
    let offset = 0;
    const entries = phones.map((p) => {
      const a = answers.get(p)!;
      writeSync(fd, a.body);
      const e = { path: `/${p.file}`, user: p.user, ha1: md5(`${p.user}:phonehome:${p.password}`), type: a.type ?? "", etag: a.etag ?? "", offset, length: a.body.length };
      offset += a.body.length;
      return e;
    });
    closeSync(fd);
    writeFileSync(index, JSON.stringify(entries));
    bare = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./boot-bare.ts", import.meta.url)), index, blob, String(BARE_PORT)], { stdio: ["ignore", "ignore", "inherit"] });
    await waitForServer(BARE_PORT);
    const b = await storm(BARE_PORT, phones);

    const mode = REUSE ? "both requests of a phone on one keep-alive connection" : "fresh TCP connection per request";
    console.log(`boot storm: ${phones.length} phones, concurrency ${CONCURRENCY}, ${mode}`);
    const row = (name: string, r: StormResult) =>
      console.log(
        `  ${name.padEnd(34)} ${r.perSecond.toFixed(0).padStart(6)} ${(2 * r.perSecond).toFixed(0).padStart(8)}   ${`${r.p50} / ${r.p99}`.padEnd(16)} ${r === b ? "" : `${(r.perSecond / b.perSecond).toFixed(2)}x`}`,
      );
    console.log(`  ${"".padEnd(34)} fetch/s   req/s   p50 / p99 ms     ratio to bare`);
    row("phonehome, first fetch (cold)", cold);
    row("phonehome, again (warm)", ph);
    row("bare node:http", b);
    console.log(`  phonehome served ${(cold.bytes / 1e6).toFixed(1)} MB per pass; server peak RSS: ${rss.toFixed(0)} MiB`);
  } finally {
    if (server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    if (bare) await stop(bare);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
