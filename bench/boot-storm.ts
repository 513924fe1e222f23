/**
 * Boot storm: N phones fetch their device file with HTTP Digest, each request on a fresh TCP
 * connection (as phones do), at a given concurrency. The server runs as a separate process
 * (`phonehome serve`), so its peak RSS is its own.
 *
 *   npm run bench:boot -- [--phones 10000] [--concurrency 64]
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
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

function seed(dataDir: string): Phone[] {
  const config = loadConfig({ dataDir, logLevel: "silent" }, {});
  const rt = createRuntime(config, pino({ level: "silent" }));
  const phones: Phone[] = [];
  rt.db.$client.transaction(() => {
    createTenant(rt, TenantInput.parse({ sipDomain: "bench.example", sipServerHost: "pbx.bench.example", timeZone: "Europe/Berlin" }));
    for (let i = 0; i < PHONES; i++) {
      createExtension(rt, "bench.example", ExtensionInput.parse({ number: String(10_000 + i), displayName: `Phone ${i}` }));
    }
    for (let i = 0; i < PHONES; i++) {
      const f = FLEET[i % FLEET.length]!;
      const mac = `${f.oui}${i.toString(16).padStart(6, "0")}`;
      const device = createDevice(rt, { mac, vendor: f.vendor, model: f.model, tenant: "bench.example", label: null });
      setLines(rt, mac, [{ index: 1, extension: String(10_000 + i) }]);
      const neighbours = [1, 2, 3].map((d) => String(10_000 + ((i + d) % PHONES)));
      setKeys(rt, mac, neighbours.map((n, k) => KeyInput.parse({ index: k + 2, kind: "blf", value: n })));
      const c = deviceCredentials(rt, device);
      phones.push({ file: f.file(mac), user: c.username, password: c.password });
    }
  })();
  rt.close();
  return phones;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

function get(path: string, authorization?: string): Promise<{ status: number; www?: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: HTTP_PORT, path, agent: false, headers: { "user-agent": "phonehome-bench", ...(authorization ? { authorization } : {}) } },
      (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode!, www: res.headers["www-authenticate"] as string | undefined, bytes }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function fetchWithDigest(p: Phone): Promise<number> {
  const path = `/${p.file}`;
  const challenge = await get(path);
  const nonce = /nonce="([^"]+)"/.exec(challenge.www ?? "")?.[1];
  if (challenge.status !== 401 || !nonce) throw new Error(`expected a challenge for ${path}, got ${challenge.status}`);
  const cnonce = randomBytes(8).toString("hex");
  const ha1 = md5(`${p.user}:phonehome:${p.password}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`GET:${path}`)}`);
  const auth = `Digest username="${p.user}", realm="phonehome", nonce="${nonce}", uri="${path}", response="${response}", qop=auth, nc=00000001, cnonce="${cnonce}"`;
  const res = await get(path, auth);
  if (res.status !== 200) throw new Error(`expected 200 for ${path}, got ${res.status}`);
  return res.bytes;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function waitForServer(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await get("/cfg.xml");
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
  const phones = seed(dataDir);
  console.log(`seeded ${phones.length} phones (one line, three BLF keys each) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const bin = fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));
  // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the server there, for finding hot spots.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const server = spawn(process.execPath, [...profile, bin, "serve", "--data-dir", dataDir, "--http-port", String(HTTP_PORT), "--http-host", "127.0.0.1", "--api-port", "0"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitForServer();
    const latencies: number[] = [];
    let next = 0;
    let bytes = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < phones.length) {
          const p = phones[next++]!;
          const s = performance.now();
          const received = await fetchWithDigest(p);
          bytes += received;
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(`boot storm: ${phones.length} phones, concurrency ${CONCURRENCY}, fresh TCP connection per request`);
    console.log(`  phone fetches/s (401 challenge + authenticated 200): ${(phones.length / seconds).toFixed(0)}`);
    console.log(`  HTTP requests/s:                                     ${((2 * phones.length) / seconds).toFixed(0)}`);
    console.log(`  fetch latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms (both round trips)`);
    console.log(`  served ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s`);
    console.log(`  server peak RSS: ${peakRssMiB(server.pid!).toFixed(0)} MiB`);
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
