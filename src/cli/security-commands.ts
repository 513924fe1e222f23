import type { Command, Option } from "commander";
import type { Config } from "../config.ts";
import type { createRuntime } from "../runtime.ts";
import { initCerts } from "../tls/certificate-authority.ts";

interface CliHelpers {
  dataDirOption(): Option;
  configFrom(opts: Record<string, unknown>): Config;
  withRuntime<T>(opts: Record<string, unknown>, fn: (rt: ReturnType<typeof createRuntime>) => T): T;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `certs init`: the private CA and the server certificate (see src/tls/certificate-authority.ts). */
function addCertsCommands(program: Command, h: CliHelpers): void {
  const certs = program.command("certs").description("HTTPS certificates: phonehome's own CA and server certificate");
  certs
    .command("init")
    .description("create the CA (once) and issue the server certificate; run again to renew (same CA)")
    .addOption(h.dataDirOption())
    .option("--certs-dir <dir>", "where to write ca.crt, ca.key, server.crt, server.key (default <data-dir>/certs)")
    .option("--hostname <name>", "DNS name or IP address of the server (repeatable; default: those of the current server.crt)", collect, [])
    .option("--days <n>", "validity of the server certificate in days", "397")
    .action((opts) => {
      const config = h.configFrom(opts);
      const r = initCerts({ certsDir: config.certsDir, hostnames: opts.hostname, serverDays: Number(opts.days) });
      console.log(`${r.caCreated ? "created" : "kept"} CA ${config.certsDir}/ca.crt (SHA-256 ${r.caFingerprint})`);
      console.log(`issued ${config.certsDir}/server.crt for ${r.hostnames.join(", ")}, valid until ${r.notAfter}`);
    });
}

export function addSecurityCommands(program: Command, h: CliHelpers): void {
  addCertsCommands(program, h);
}
