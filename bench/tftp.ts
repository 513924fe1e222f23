/**
 * TFTP throughput: an 8 MB firmware image at blksize 512 and 1468, with and without windowsize,
 * then 200 concurrent small-file transfers. The server runs as a separate process
 * (`phonehome serve`); the 8 MB transfers use real clients (curl has no windowsize, atftp does),
 * the 200 small transfers an in-process client. Loopback only.
 *
 *   npm run bench:tftp -- [--concurrent 200] [--port 16969]
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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
const SIZE = 8 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), "phonehome-bench-tftp-"));
const config = loadConfig({ dataDir: dir, firmwareDir: join(dir, "firmware"), httpPort: 18_580, apiPort: 18_581, httpHost: "127.0.0.1", tftpHost: "127.0.0.1", tftpPort: PORT, logLevel: "warn" }, {});
const image = randomBytes(SIZE);
const rt = createRuntime(config, pino({ level: "silent" }));
const name = (await addFirmware({ ...rt, firmwareDir: config.firmwareDir }, { vendor: "yealink", models: ["T54W"], version: "96.86.0.100", name: "T54W-96.86.0.100.rom" }, Readable.from([image]), SIZE * 2)).fileName;
rt.close();

const bin = fileURLToPath(new URL("../bin/phonehome.mjs", import.meta.url));
const server = spawn(process.execPath, [bin, "serve"], {
  env: { ...process.env, PHONEHOME_DATA_DIR: dir, PHONEHOME_FIRMWARE_DIR: config.firmwareDir, PHONEHOME_HTTP_HOST: "127.0.0.1", PHONEHOME_HTTP_PORT: "18580", PHONEHOME_API_PORT: "18581", PHONEHOME_TFTP_HOST: "127.0.0.1", PHONEHOME_TFTP_PORT: String(PORT), PHONEHOME_LOG_LEVEL: "warn", PHONEHOME_TFTP_MAX_PER_SOURCE: String(CONCURRENT + 10), PHONEHOME_TFTP_MAX_TRANSFERS: String(CONCURRENT + 10) },
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

async function timed(label: string, run: (out: string) => Promise<void>) {
  const out = join(dir, "out.bin");
  rmSync(out, { force: true });
  const t = performance.now();
  await run(out);
  const s = (performance.now() - t) / 1000;
  const ok = readFileSync(out).equals(image);
  console.log(`${label.padEnd(42)} ${s.toFixed(2).padStart(6)} s  ${(SIZE / 1024 / 1024 / s).toFixed(1).padStart(6)} MB/s  ${ok ? "intact" : "CORRUPT"}`);
}

try {
  await waitForServer();
  const url = `tftp://127.0.0.1:${PORT}/${name}`;
  console.log(`8 MB image (${SIZE} bytes), loopback, server = phonehome serve`);
  await timed("curl blksize 512", (o) => exec("curl", ["-sS", "--tftp-blksize", "512", "-o", o, url]));
  await timed("curl blksize 1468", (o) => exec("curl", ["-sS", "--tftp-blksize", "1468", "-o", o, url]));
  await timed("atftp blksize 512", (o) => exec("atftp", ["--option", "blksize 512", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
  await timed("atftp blksize 1468", (o) => exec("atftp", ["--option", "blksize 1468", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
  await timed("atftp blksize 512 windowsize 16", (o) => exec("atftp", ["--option", "blksize 512", "--option", "windowsize 16", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));
  await timed("atftp blksize 1468 windowsize 16", (o) => exec("atftp", ["--option", "blksize 1468", "--option", "windowsize 16", "-g", "-r", name, "-l", o, "127.0.0.1", String(PORT)]));

  const small = "y000000000000.boot";
  const expected = await fetchRaw(PORT, small);
  const t = performance.now();
  const results = await Promise.all(Array.from({ length: CONCURRENT }, () => fetchRaw(PORT, small).then((b) => b.equals(expected), () => false)));
  const s = (performance.now() - t) / 1000;
  const ok = results.filter(Boolean).length;
  console.log(`${CONCURRENT} concurrent transfers of ${small} (${expected.length} B): ${s.toFixed(2)} s, ${(CONCURRENT / s).toFixed(0)} transfers/s, ${ok}/${CONCURRENT} intact`);
} finally {
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
}
