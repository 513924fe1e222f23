/** One phase of bench/import.ts in its own process: import (or dry-run) a file, print time and peak RSS as JSON. */
import { createReadStream } from "node:fs";
import pino from "pino";
import { loadConfig } from "../src/config.ts";
import { readDeviceCsv } from "../src/onboarding/csv-source.ts";
import { importDevices } from "../src/onboarding/import.ts";
import { createRuntime } from "../src/runtime.ts";

const [dir, file, mode] = process.argv.slice(2) as [string, string, string];
const rt = createRuntime(loadConfig({ dataDir: dir, logLevel: "silent" }, {}), pino({ level: "silent" }));
const start = performance.now();
const report = await importDevices(rt, readDeviceCsv(createReadStream(file)), {
  dryRun: mode === "dry",
  actor: "bench",
  source: "csv",
  fileName: "devices.csv",
});
const ms = Math.round(performance.now() - start);
rt.close();
const { accepted, created, updated, unchanged } = report;
console.log(JSON.stringify({ ms, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), accepted, created, updated, unchanged }));
