import { createWriteStream } from "node:fs";
import { basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command, Option } from "commander";
import { readCsv } from "../onboarding/csv-source.ts";
import { EXTENSION_CSV } from "../onboarding/extension-columns.ts";
import { exportExtensionsCsv } from "../onboarding/extension-export.ts";
import { importExtensions } from "../onboarding/extension-import.ts";
import { withActor } from "../services/actor.ts";
import { importMaxRows, runCsvImport, withRuntime } from "./onboarding-commands.ts";

/** `phonehome extension import|export`: the extensions CSV (docs/onboarding.md#extensions-by-csv). */
export function addExtensionCsvCommands(cmd: Command, dataDirOption: () => Option): void {
  cmd
    .command("import <tenant> <file>")
    .description("create or update a tenant's extensions from a CSV file; all rows or none")
    .addOption(dataDirOption())
    .option("--dry-run", "check the whole file and report every problem; write nothing")
    .option("--json", "print the report as JSON")
    .action((tenant: string, file: string, opts) =>
      runCsvImport(
        file,
        opts,
        (rt, source, read, hooks) =>
          withActor("cli", () => importExtensions(rt, tenant, readCsv(source as AsyncIterable<Buffer>, EXTENSION_CSV, read, { maxRows: importMaxRows(opts) }), { dryRun: opts.dryRun === true, actor: "cli", fileName: basename(file), onChecked: hooks.onChecked })),
        "extensions",
      ),
    );
  cmd
    .command("export <tenant> <file>")
    .description("write a tenant's extensions in the import format (- for stdout; no PINs)")
    .addOption(dataDirOption())
    .action((tenant: string, file: string, opts) =>
      withRuntime(opts, async (rt) => {
        const csv = await exportExtensionsCsv(rt, tenant);
        return file === "-" ? pipeline(csv, process.stdout, { end: false }) : pipeline(csv, createWriteStream(file));
      }),
    );
}
