import { Option, type Command } from "commander";
import type { Config } from "../config.ts";
import { listFirmware } from "../firmware/catalogue.ts";
import { addFirmwareFile } from "../firmware/service.ts";
import type { createRuntime } from "../runtime.ts";

type Open = (opts: Record<string, unknown>) => { rt: ReturnType<typeof createRuntime>; config: Config };

/** `phonehome firmware add|list`: the catalogue from the command line (same checks as the API). */
export function firmwareCommands(program: Command, open: Open): void {
  const fw = program.command("firmware").description("firmware catalogue");
  const dataDir = () => new Option("--data-dir <dir>", "data directory (env PHONEHOME_DATA_DIR, default ./data)");
  const fwDir = () => new Option("--firmware-dir <dir>", "firmware folder (env PHONEHOME_FIRMWARE_DIR, default ./firmware)");
  fw.command("add <file>")
    .description("copy an image into <firmware-dir>/<vendor>/ and catalogue it; prints the name phones fetch")
    .addOption(dataDir())
    .addOption(fwDir())
    .requiredOption("--vendor <vendor>", "yealink | polycom | grandstream")
    .requiredOption("--models <list>", "comma-separated model ids, e.g. T54W,T57W")
    .requiredOption("--version <version>", "firmware version, e.g. 96.86.0.100")
    .option("--name <name>", "the vendor's file name (default: the file's own name)")
    .action(async (file: string, opts) => {
      const { rt, config } = open(opts);
      try {
        const row = await addFirmwareFile(
          { ...rt, firmwareDir: config.firmwareDir },
          file,
          { vendor: opts.vendor, models: String(opts.models).split(","), version: opts.version, name: opts.name },
          config.firmwareMaxBytes,
        );
        console.log(`${row.id}\t${row.fileName}\t${row.size}\t${row.sha256}`);
      } finally {
        rt.close();
      }
    });
  fw.command("list")
    .description("list catalogued images")
    .addOption(dataDir())
    .action(async (opts) => {
      const { rt } = open(opts);
      try {
        for (const f of await listFirmware(rt)) console.log(`${f.id}\t${f.vendor}\t${f.version}\t${f.models.join(",")}\t${f.fileName}\t${f.size}`);
      } finally {
        rt.close();
      }
    });
}
