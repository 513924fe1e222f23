import { createReadStream, createWriteStream, statSync } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command, Option } from "commander";
import { loadConfig } from "../config.ts";
import { AppError, notFound } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { batchStatus, listBatches } from "../onboarding/batches.ts";
import { formatProblem } from "../onboarding/columns.ts";
import { readDeviceCsv, type CsvProgress } from "../onboarding/csv-source.ts";
import { exportDevicesCsv } from "../onboarding/export.ts";
import { importDevices, type ImportReport } from "../onboarding/import.ts";
import { createRuntime } from "../runtime.ts";
import { createProgress } from "./progress.ts";

type Runtime = ReturnType<typeof createRuntime>;

export async function withRuntime<T>(opts: { dataDir?: string }, fn: (rt: Runtime) => Promise<T> | T): Promise<T> {
  const rt = createRuntime(loadConfig({ dataDir: opts.dataDir }), createLogger("warn"));
  try {
    return await fn(rt);
  } finally {
    rt.close();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    throw notFound(`cannot read ${path}: no such file`);
  }
}

function summary(file: string, r: ImportReport<string>): string {
  const counts = `${r.rows} row(s): ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged`;
  if (r.dryRun) return `${file}: dry run, nothing written; it would be imported: ${counts}`;
  return `${file}: imported ${counts}${r.batchId !== null ? ` (batch ${r.batchId}; phonehome import-status ${r.batchId})` : " (nothing to change)"}`;
}

interface ImportHooks {
  readonly onChecked: (rows: number) => void;
  readonly onWritten: (n: number, total: number) => void;
}

/** An import run from a file: checking pass, write, report; the devices and the extensions CSV alike. */
export type CsvImporter = (rt: Runtime, source: NodeJS.ReadableStream, read: CsvProgress, hooks: ImportHooks) => Promise<ImportReport<string>>;

export async function runCsvImport(file: string, opts: { dataDir?: string; json?: boolean }, importer: CsvImporter, what = "rows"): Promise<void> {
  const size = fileSize(file);
  const progress = createProgress();
  const read = { bytes: 0 };
  try {
    const report = await withRuntime(opts, (rt) =>
      importer(rt, createReadStream(file), read, {
        onChecked: (rows) => progress.update("checking", size ? read.bytes / size : 1, `${rows.toLocaleString("en-US")} rows`),
        onWritten: (n, total) => progress.update("writing", n / total, `${n.toLocaleString("en-US")} ${what}`),
      }),
    );
    progress.done();
    if (opts.json) console.log(JSON.stringify(report, null, 2));
    else if (report.accepted) console.log(summary(file, report));
    else {
      for (const p of report.problems) console.log(formatProblem(p));
      const more = report.problemCount - report.problems.length;
      if (more > 0) console.log(`... and ${more} more problem(s)`);
      console.log(`${file}: refused, ${report.problemCount} problem(s) in ${report.rows} row(s); nothing was written`);
    }
    process.exitCode = report.accepted ? 0 : 1;
  } catch (err) {
    progress.done();
    // Malformed CSV or a change during the import: refused as a whole, exit 1 like a report.
    if (!(err instanceof AppError) || err.status === 404) throw err;
    console.error(`phonehome: ${file}: ${err.message}; nothing was written`);
    process.exitCode = 1;
  }
}

/** Config importMaxRows: the CLI refuses a longer file as the server does. */
export const importMaxRows = (opts: { dataDir?: string }): number => loadConfig({ dataDir: opts.dataDir }).importMaxRows;

function runImport(file: string, opts: { dataDir?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  return runCsvImport(
    file,
    opts,
    (rt, source, read, hooks) =>
      importDevices(rt, readDeviceCsv(source as AsyncIterable<Buffer>, read, { maxRows: importMaxRows(opts) }), {
        dryRun: opts.dryRun === true,
        actor: "cli",
        source: "csv",
        fileName: basename(file),
        onChecked: hooks.onChecked,
        onWritten: hooks.onWritten,
      }),
    "devices",
  );
}

async function printStatus(rt: Runtime, id: string | undefined): Promise<void> {
  if (id === undefined) {
    for (const b of await listBatches(rt)) {
      console.log(`${b.id}\t${new Date(b.createdAt).toISOString()}\t${b.source}\t${b.fileName ?? "-"}\t${b.rows} rows\t${b.created} created\t${b.updated} updated\t${b.actor}`);
    }
    return;
  }
  const { batch, summary: s, devices } = await batchStatus(rt, Number(id));
  console.log(`batch ${batch.id} (${batch.fileName ?? batch.source}): ${s.fetched} fetched, ${s.refused} refused, ${s.never} never called in; ${s.registered} registered`);
  for (const d of devices) console.log(`${d.mac}\trow ${d.row}\t${d.action}\t${d.state}${d.registered ? "\tregistered" : ""}`);
}

export function addOnboardingCommands(program: Command, dataDirOption: () => Option): void {
  program
    .command("import <file>")
    .description("import devices from a CSV file (docs/onboarding.md); all rows or none")
    .addOption(dataDirOption())
    .option("--dry-run", "check the whole file and report every problem; write nothing")
    .option("--json", "print the report as JSON")
    .action((file: string, opts) => runImport(file, opts));
  program
    .command("export <file>")
    .description("write the devices as CSV in the import format (- for stdout)")
    .addOption(dataDirOption())
    .option("--tenant <name>", "only this tenant's devices")
    .action((file: string, opts) =>
      withRuntime(opts, async (rt) => {
        const csv = await exportDevicesCsv(rt, opts.tenant);
        return file === "-" ? pipeline(csv, process.stdout, { end: false }) : pipeline(csv, createWriteStream(file));
      }),
    );
  program
    .command("import-status [batch]")
    .description("list import batches, or show which phones of one batch fetched their config")
    .addOption(dataDirOption())
    .action((batch: string | undefined, opts) => withRuntime(opts, (rt) => printStatus(rt, batch)));
}
