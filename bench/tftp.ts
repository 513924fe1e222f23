/**
 * TFTP throughput: an 8 MB firmware image at blksize 512 and 1468, with and without windowsize,
 * then 200 concurrent small-file transfers. The server runs as a separate process
 * (`phonehome serve`); the 8 MB transfers use real clients (curl has no windowsize, atftp does),
 * the 200 small transfers an in-process client. Loopback only.
 *
 * When tftpd-hpa's `in.tftpd` is installed (Debian package tftpd-hpa; it runs as root to chroot),
 * the same image is also fetched from it in the same run, and each blksize gets a ratio:
 * phonehome's throughput / tftpd-hpa's (1.00x = as fast as tftpd-hpa). A bare `node:dgram` server
 * (bench/tftp-bare.ts: what Node's UDP path alone costs per block) runs alongside as the floor of
 * any server on Node. Each server is fetched `--reps` times, in turn, and the medians are compared.
 *
 *   npm run bench:tftp -- [--reps 7] [--curl-only] [--concurrent 200] [--port 16969]
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { addFirmware } from "../src/firmware/service.ts";
import { createRuntime } from "../src/runtime.ts";
import { fetchRaw } from "../test/helpers/tftp.ts";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const CONCURRENT = arg("concurrent", 200);
const PORT = arg("port", 16_969);
const REPS = arg("reps", 7);
// --curl-only: only the side-by-side curl fetches (a profile of the lock-step path alone).
const CURL_ONLY = args.includes("--curl-only");
const SIZE = 8 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), "phonehome-bench-tftp-"));
const config = loadConfig({ dataDir: dir, firmwareDir: join(dir, "firmware"), httpPort: 18_580, apiPort: 18_581, httpHost: "127.0.0.1", tftpHost: "127.0.0.1", tftpPort: PORT, logLevel: "warn" }, {});
const image = randomBytes(SIZE);
const rt = createRuntime(config, pino({ level: "silent" }));
const name = (await addFirmware({ ...rt, firmwareDir: config.firmwareDir }, { vendor: "yealink", models: ["T54W"], version: "96.86.0.100", name: "T54W-96.86.0.100.rom" }, Readable.from([image]), SIZE * 2)).fileName;
rt.close();

const bin = fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));
// BENCH_CPU_PROF=DIR writes a V8 CPU profile of the server there (bench/profile-top.ts reads it).
const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const server = spawn(process.execPath, [...profile, bin, "serve"], {
  env: { ...process.env, PHONEHOME_DATA_DIR: dir, PHONEHOME_FIRMWARE_DIR: config.firmwareDir, PHONEHOME_HTTP_HOST: "127.0.0.1", PHONEHOME_HTTP_PORT: "18580", PHONEHOME_API_PORT: "18581", PHONEHOME_TFTP_HOST: "127.0.0.1", PHONEHOME_TFTP_PORT: String(PORT), PHONEHOME_LOG_LEVEL: "warn", PHONEHOME_TFTP_MAX_PER_SOURCE: String(CONCURRENT + 10), PHONEHOME_TFTP_MAX_TRANSFERS: String(CONCURRENT + 10), PHONEHOME_TFTP_MAX_UNCONFIRMED_PER_SOURCE: String(CONCURRENT + 10), PHONEHOME_TFTP_MAX_UNCONFIRMED: String(CONCURRENT + 10) },
  stdio: ["ignore", "inherit", "inherit"],
});
const exec = (cmd: string, a: string[]) =>
  new Promise<void>((resolve, reject) => execFile(cmd, a, { timeout: 120_000 }, (err, _o, stderr) => (err ? reject(new Error(`${cmd}: ${stderr}`)) : resolve())));

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      await fetchRaw(PORT, "y000000000000.boot");
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("server did not start");
}

/** One fetch of the image into a fresh file, checked byte for byte; its time in seconds. */
async function timed(run: (out: string) => Promise<void>): Promise<{ s: number; ok: boolean }> {
  const out = join(dir, "out.bin");
  rmSync(out, { force: true });
  const t = performance.now();
  await run(out);
  const s = (performance.now() - t) / 1000;
  return { s, ok: readFileSync(out).equals(image) };
}

const mbps = (s: number) => SIZE / 1024 / 1024 / s;
const line = (label: string, s: number, ok: boolean) => console.log(`${label.padEnd(42)} ${s.toFixed(3).padStart(6)} s  ${mbps(s).toFixed(1).padStart(6)} MB/s  ${ok ? "intact" : "CORRUPT"}`);

async function once(label: string, run: (out: string) => Promise<void>): Promise<number> {
  const { s, ok } = await timed(run);
  line(label, s, ok);
  return s;
}

const median = (xs: readonly number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
};

/**
 * REPS fetches from each server, alternating phonehome and tftpd-hpa so that both see the same
 * load on a shared machine; the median of each.
 */
async function sideBySide(label: string, runs: readonly { name: string; run: (out: string) => Promise<void> }[]) {
  const times = runs.map(() => [] as number[]);
  let intact = true;
  for (let i = 0; i < REPS; i++) {
    for (const [k, r] of runs.entries()) {
      const { s, ok } = await timed(r.run);
      times[k]!.push(s);
      intact &&= ok;
    }
  }
  const medians = times.map(median);
  for (const [k, r] of runs.entries()) {
    const t = times[k]!;
    console.log(`${`${label}, ${r.name}`.padEnd(42)} ${medians[k]!.toFixed(3).padStart(6)} s  ${mbps(medians[k]!).toFixed(1).padStart(6)} MB/s  (median of ${REPS}, min ${Math.min(...t).toFixed(3)}, max ${Math.max(...t).toFixed(3)})${intact ? "" : "  CORRUPT"}`);
  }
  return medians;
}

/** The bare node:dgram server (bench/tftp-bare.ts) on PORT + 2, serving a copy of the image. */
async function startBare(): Promise<ChildProcess> {
  const copy = join(dir, "bare.bin");
  writeFileSync(copy, image);
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./tftp-bare.ts", import.meta.url)), copy, String(PORT + 2)], { stdio: ["ignore", "ignore", "inherit"] });
  await new Promise((r) => setTimeout(r, 1500));
  return child;
}

/** tftpd-hpa in the foreground on PORT + 1, serving a copy of the image; null when not installed. */
async function startTftpdHpa(): Promise<ChildProcess | null> {
  const daemon = "/usr/sbin/in.tftpd";
  if (!existsSync(daemon) || process.getuid?.() !== 0) return null;
  const root = join(dir, "tftpd-hpa");
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, name), image);
  const child = spawn(daemon, ["--foreground", "--secure", "--address", `127.0.0.1:${PORT + 1}`, "--blocksize", "1468", root], { stdio: ["ignore", "ignore", "inherit"] });
  await new Promise((r) => setTimeout(r, 300));
  return child.exitCode === null ? child : null;
}

try {
  await waitForServer();
  console.log(`8 MB image (${SIZE} bytes), loopback, server = phonehome serve`);
  const hpa = await startTftpdHpa();
  const bare = await startBare();
  const curl = (port: number, blksize: number) => (o: string) => exec("curl", ["-sS", "--tftp-blksize", String(blksize), "-o", o, `tftp://127.0.0.1:${port}/${name}`]);
  const ratios: string[] = [];
  try {
    for (const blksize of [512, 1468]) {
      const runs = [{ name: "phonehome", run: curl(PORT, blksize) }];
      runs.push({ name: "bare node:dgram", run: curl(PORT + 2, blksize) });
      if (hpa) runs.push({ name: "tftpd-hpa", run: curl(PORT + 1, blksize) });
      const [ours, floor, theirs] = await sideBySide(`curl blksize ${blksize}`, runs);
      const vs = (t: number) => (t / ours!).toFixed(2);
      ratios.push(
        `blksize ${String(blksize).padEnd(4)}: phonehome ${mbps(ours!).toFixed(1)} MB/s, ${vs(floor!)}x the bare node:dgram server's throughput` +
          (theirs === undefined ? "" : `; tftpd-hpa ${mbps(theirs).toFixed(1)} MB/s: ${vs(theirs)}x tftpd-hpa's (bare node:dgram: ${(theirs / floor!).toFixed(2)}x)`),
      );
    }
    if (!hpa) console.log("  (tftpd-hpa not installed at /usr/sbin/in.tftpd, or not run as root: phonehome only, no ratio)");
    for (const r of ratios) console.log(r);
  } finally {
    hpa?.kill("SIGTERM");
    bare.kill("SIGTERM");
  }
  if (!CURL_ONLY) {
    await once("atftp blksize 512", (o) => exec("atftp", ["--option", "blksize 512", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
    await once("atftp blksize 1468", (o) => exec("atftp", ["--option", "blksize 1468", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
    await once("atftp blksize 512 windowsize 16", (o) => exec("atftp", ["--option", "blksize 512", "--option", "windowsize 16", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
    await once("atftp blksize 1468 windowsize 16", (o) => exec("atftp", ["--option", "blksize 1468", "--option", "windowsize 16", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));

    const small = "y000000000000.boot";
    const expected = await fetchRaw(PORT, small);
    const t = performance.now();
    const results = await Promise.all(Array.from({ length: CONCURRENT }, () => fetchRaw(PORT, small).then((b) => b.equals(expected), () => false)));
    const s = (performance.now() - t) / 1000;
    const ok = results.filter(Boolean).length;
    console.log(`${CONCURRENT} concurrent transfers of ${small} (${expected.length} B): ${s.toFixed(2)} s, ${(CONCURRENT / s).toFixed(0)} transfers/s, ${ok}/${CONCURRENT} intact`);
  }
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
