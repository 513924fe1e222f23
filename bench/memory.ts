/**
 * Where the server's memory goes with N phones (the data of bench:storm: Yealink T54W, tenant in
 * `network` mode), measured, not estimated: the server runs in its own process
 * (bench/memory-server.ts, `--expose-gc`), every phone fetches its file once, then the server
 * reports per thread its heap used / total, external and arrayBuffers after a forced GC, and the
 * process's /proc/self/smaps_rollup; then, one at a time, a structure is emptied and what the
 * process gives back is printed (render cache, kept device rows, served-copy hashes, SQLite's page
 * cache of the main connection).
 *
 *   npm run bench:memory -- [--phones 10000] [--data-dir DIR]   (DIR: reuse a seeded one, e.g. for 100,000)
 */
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedStorm, stormMac } from "./storm-seed.ts";

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const PHONES = Number(opt("phones") ?? 10_000);
const PORT = Number(opt("port") ?? 18_495);
const keepDir = opt("data-dir");

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: PORT, path, agent: false, headers: { "user-agent": "Yealink SIP-T54W 96.86.0.100 80:5e:c0:00:00:00" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

const MiB = (n: number) => (n / 1048576).toFixed(1);

interface Usage {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}
interface Measure {
  readonly main: Usage;
  readonly threads: (Usage & { url: string })[];
  readonly smaps: Record<string, number>;
  readonly cache: { entries: number; bytes: number } | null;
  readonly cacheSizeKiB: number;
  readonly pageSize: number;
  readonly servedHandedOver: number;
}

function print(label: string, m: Measure): void {
  const s = m.smaps;
  console.log(`\n${label}: RSS ${MiB(s.Rss!)} MiB (anonymous ${MiB(s.Anonymous!)}, file-backed ${MiB(s.Rss! - s.Anonymous!)})`);
  console.log("  thread                 heap used  heap total  external  arrayBuffers   (MiB)");
  const row = (name: string, u: Usage) => console.log(`  ${name.padEnd(22)} ${MiB(u.heapUsed).padStart(9)} ${MiB(u.heapTotal).padStart(11)} ${MiB(u.external).padStart(9)} ${MiB(u.arrayBuffers).padStart(13)}`);
  row("main", m.main);
  for (const t of m.threads) row(t.url, t);
  const heaps = m.main.heapTotal + m.threads.reduce((a, t) => a + t.heapTotal, 0);
  const external = m.main.external + m.threads.reduce((a, t) => a + t.external, 0);
  console.log(`  heaps (total) ${MiB(heaps)} + external ${MiB(external)} = ${MiB(heaps + external)}; rest of the anonymous memory (native: SQLite, malloc, code, stacks) ${MiB(s.Anonymous! - heaps - external)}`);
  console.log(`  render cache: ${m.cache ? `${m.cache.entries} entries, ${MiB(m.cache.bytes)} MiB counted` : "off"}; served-copy hashes kept ${m.servedHandedOver}; SQLite cache_size ${m.cacheSizeKiB} (page ${m.pageSize} B)`);
}

async function main(): Promise<void> {
  const dir = keepDir ? null : mkdtempSync(join(tmpdir(), "phonehome-memory-"));
  const dataDir = keepDir ?? join(dir!, "data");
  if (!keepDir || !existsSync(join(dataDir, "phonehome.db"))) {
    const t0 = performance.now();
    await seedStorm(dataDir, PHONES);
    console.log(`seeded ${PHONES} phones in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const child = fork(fileURLToPath(new URL("./memory-server.ts", import.meta.url)), [dataDir, String(PORT)], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const replies: ((v: unknown) => void)[] = [];
  child.on("message", (m: { t: string; value?: unknown }) => replies.shift()?.(m.value ?? m));
  const ask = (msg: object): Promise<Measure & { before: Measure; after: Measure; what: string }> =>
    new Promise((resolve) => {
      replies.push(resolve as (v: unknown) => void);
      if (Object.keys(msg).length) child.send(msg);
    });
  try {
    await ask({});
    print("after start-up", await ask({ t: "measure" }));
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < PHONES) {
          const i = next++;
          const status = await get(`/${stormMac(i)}.cfg`);
          if (status !== 200) throw new Error(`phone ${i}: ${status}`);
        }
      }),
    );
    print(`after every phone fetched once (${PHONES})`, await ask({ t: "measure" }));
    for (const what of ["cache", "devices", "served", "sqlite"]) {
      const r = await ask({ t: "without", what });
      console.log(`  emptied ${what.padEnd(8)}: RSS -${MiB(r.before.smaps.Rss! - r.after.smaps.Rss!)} MiB, main heap used -${MiB(r.before.main.heapUsed - r.after.main.heapUsed)}, external -${MiB(r.before.main.external - r.after.main.external)}`);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
