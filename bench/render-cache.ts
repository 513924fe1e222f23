/**
 * The render cache in process: what a kept file costs (heap and external memory after a forced GC)
 * and what a hit costs (µs per RenderCache.get), for files kept as rendered and files kept packed
 * (src/provisioning/packed-file.ts). The files are the ones bench:storm serves (Yealink T54W,
 * tenant in `network` mode), produced by provision() itself.
 *
 *   npm run bench:render-cache -- [--phones 20000] [--hits 200000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { provision } from "../src/provisioning/provision.ts";
import { RenderCache } from "../src/provisioning/render-cache.ts";
import { createRuntime } from "../src/runtime.ts";
import { seedStorm, stormMac } from "./storm-seed.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const PHONES = arg("phones", 20_000);
const HITS = arg("hits", 200_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:render-cache does)");

const dir = mkdtempSync(join(tmpdir(), "phonehome-render-cache-"));
try {
  const dataDir = join(dir, "data");
  await seedStorm(dataDir, PHONES);
  const rt = createRuntime(loadConfig({ dataDir, logLevel: "silent" }, {}), pino({ level: "silent" }));
  const request = (i: number) => ({ transport: "http" as const, fileName: `${stormMac(i)}.cfg`, remoteAddress: "127.0.0.1", userAgent: "Yealink SIP-T54W 96.86.0.100", requestUrl: "http://127.0.0.1:8080/" });
  const memory = () => {
    gc!();
    gc!();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  console.log(`${PHONES} Yealink T54W files; ${HITS} hits at random`);
  console.log("kept as      bytes counted/file   memory/file (heap + external)   µs per hit (RenderCache.get)");
  for (const [label, share] of [["rendered", 1], ["packed", 0]] as const) {
    // The server's cache, with room for every file and all of them kept one way.
    const cache = new RenderCache(2 ** 40, share);
    const deps = { ...rt, renderCache: cache };
    const generation = async () => (await rt.reads.look(null)).gen;
    const fill = async () => {
      for (let i = 0; i < PHONES; i++) await provision(request(i), deps, null);
    };
    // Filled twice: the first time loads what rendering keeps (statements, time-zone rules); then a
    // newer generation empties the cache, and what the second filling adds is what the files hold.
    await fill();
    let gen = await generation();
    cache.get("", `${gen}+`);
    const empty = memory();
    await fill();
    gen = await generation();
    const perFile = (memory() - empty) / cache.size.entries;
    const counted = cache.size.bytes / cache.size.entries;
    const keys = [...(cache as unknown as { entries: Map<string, unknown> }).entries.keys()];
    const order = Array.from({ length: HITS }, () => keys[Math.floor(Math.random() * keys.length)]!);
    for (let i = 0; i < 20_000; i++) cache.get(order[i % HITS]!, gen);
    const t0 = performance.now();
    let bytes = 0;
    for (const key of order) bytes += cache.get(key, gen)!.delivery.body.length;
    const us = ((performance.now() - t0) * 1000) / HITS;
    if (bytes === 0) throw new Error("no hit");
    console.log(`${label.padEnd(12)} ${counted.toFixed(0).padStart(10)} B ${perFile.toFixed(0).padStart(24)} B ${us.toFixed(2).padStart(28)}`);
  }
  rt.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
