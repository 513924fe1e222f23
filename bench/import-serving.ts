/**
 * Phones during a bulk import: `phonehome serve` as its own process, a few simulated phones fetching
 * their files in a loop (a new connection per file, as phones do), first with no import running,
 * then while a 100,000-row CSV is uploaded to `POST /imports`. Prints phone fetch p50/p99/max for both
 * side by side, the import's rows/s, and the server's peak RSS (VmHWM) before and after the import.
 *
 *   npm run bench:import-serving -- [--rows 100000] [--phones 4] [--seconds 5]
 *   npm run bench:import-serving -- --bin OTHER_CHECKOUT/bin/phonehome.mjs   # the same run against another build
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { createRuntime } from "../src/runtime.ts";
import { setLines } from "../src/services/device-layout.ts";
import { createDevice } from "../src/services/devices.ts";
import { createExtension } from "../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../src/services/schemas.ts";
import { createTenant } from "../src/services/tenants.ts";
import { createToken } from "../src/services/tokens.ts";
import { stop } from "./child.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const ROWS = Number(arg("rows", "100000"));
const PHONES = Number(arg("phones", "4"));
const SECONDS = Number(arg("seconds", "5"));
const PORT = Number(arg("port", "18510"));
const API_PORT = PORT + 1;
const BIN = arg("bin", fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url)));
const EXTENSIONS = 500;
/** Phones already in the database, fetched at random by the simulated phones. */
const KNOWN = 200;

async function seed(dataDir: string): Promise<{ paths: string[]; token: string }> {
  const rt = createRuntime(loadConfig({ dataDir, logLevel: "silent" }, {}), pino({ level: "silent" }));
  const paths: string[] = [];
  await createTenant(rt, TenantInput.parse({ sipDomain: "bench.example", sipServerHost: "pbx.bench.example", authMode: "network", allowedNetworks: ["127.0.0.0/8"] }));
  // Extensions, devices and their lines are written through the asynchronous handle, one transaction each.
  for (let n = 0; n < EXTENSIONS; n++) await createExtension(rt, "bench.example", ExtensionInput.parse({ number: String(1000 + n), displayName: `User ${n}` }));
  const token = (await createToken(rt, "admin", "bench")).token;
  for (let i = 0; i < KNOWN; i++) {
    const mac = `805ec0ff${i.toString(16).padStart(4, "0")}`;
    await createDevice(rt, { mac, vendor: "yealink", model: "T54W", tenant: "bench.example", label: null });
    await setLines(rt, mac, [{ index: 1, extension: String(1000 + (i % EXTENSIONS)) }]);
    paths.push(`/${mac}.cfg`);
  }
  rt.close();
  return { paths, token };
}

function csv(): Buffer {
  const lines = ["mac,vendor,model,tenant,lines,label,key_layout"];
  for (let i = 0; i < ROWS; i++) lines.push(`805ec0${i.toString(16).padStart(6, "0")},,T54W,bench.example,${1000 + (i % EXTENSIONS)},Desk ${i},`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: PORT, path, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

function upload(token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: API_PORT, method: "POST", path: "/api/v1/imports?fileName=bench.csv", headers: { authorization: `Bearer ${token}`, "content-type": "text/csv", "content-length": body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Phone fetches from PHONES loops until `done()`; latencies in ms. Bounded by `done` and a 10-minute cap. */
async function phones(paths: string[], done: () => boolean): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const cap = performance.now() + 600_000;
  await Promise.all(
    Array.from({ length: PHONES }, async () => {
      while (!done() && performance.now() < cap) {
        const t = performance.now();
        const status = await get(paths[Math.floor(Math.random() * paths.length)]!);
        latencies.push(performance.now() - t);
        if (status !== 200) failed++;
      }
    }),
  );
  return { latencies, failed };
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return `${String(s.length).padStart(6)} fetches  p50 ${at(0.5).toFixed(1).padStart(7)} ms  p99 ${at(0.99).toFixed(1).padStart(7)} ms  max ${(s.at(-1) ?? NaN).toFixed(1).padStart(7)} ms`;
}

const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await get(path)) === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answers on port ${PORT}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "phonehome-import-serving-"));
  const dataDir = join(dir, "data");
  const { paths, token } = await seed(dataDir);
  const body = csv();
  console.log(`seeded ${KNOWN} phones and ${EXTENSIONS} extensions; import file: ${ROWS} rows, ${(body.length / 1e6).toFixed(1)} MB; ${PHONES} phones fetching in a loop`);
  const server = spawn(process.execPath, [BIN, "serve", "--data-dir", dataDir, "--http-port", String(PORT), "--http-host", "127.0.0.1", "--api-port", String(API_PORT), "--tftp-port", "0"], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PHONEHOME_LOG_LEVEL: "warn" },
  });
  try {
    await waitFor(paths[0]!);
    const until = performance.now() + SECONDS * 1000;
    const idle = await phones(paths, () => performance.now() >= until);
    const rssBefore = status(server.pid!, "VmHWM");
    let finished = false;
    const t0 = performance.now();
    const during = phones(paths, () => finished);
    const answer = await upload(token, body).finally(() => (finished = true));
    const seconds = (performance.now() - t0) / 1000;
    const busy = await during;
    if (answer.status !== 201) throw new Error(`import answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    console.log(`no import        ${stats(idle.latencies)}${idle.failed ? `  (${idle.failed} not 200)` : ""}`);
    console.log(`during import    ${stats(busy.latencies)}${busy.failed ? `  (${busy.failed} not 200)` : ""}`);
    console.log(`import: ${ROWS} rows in ${seconds.toFixed(2)} s, ${Math.round(ROWS / seconds).toLocaleString("en-US")} rows/s (upload, check and write)`);
    console.log(`server peak RSS (VmHWM): ${rssBefore.toFixed(0)} MiB before the import, ${status(server.pid!, "VmHWM").toFixed(0)} MiB after`);
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
