import type { Command, Option } from "commander";
import type { Config } from "../config.ts";
import type { createRuntime } from "../runtime.ts";
import { createKeyRingBox, retiredKeysPath } from "../secret-key-ring.ts";
import { parseAuditFilter, queryAudit, type AuditEntry } from "../services/audit-query.ts";
import { rotateSecretKey } from "../services/key-rotation.ts";
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

/** `audit`: the audit trail, newest first (the same filters as GET /api/v1/audit). */
function addAuditCommand(program: Command, h: CliHelpers): void {
  program
    .command("audit")
    .description("show the audit trail: admin changes, security events and phone fetches, newest first")
    .addOption(h.dataDirOption())
    .option("--mac <mac>", "only this device")
    .option("--tenant <name>", "only this tenant's events")
    .option("--extension <number>", "only this extension, as 202 or tenant/202 (changes to it, its registrations, fetches of files holding its credentials)")
    .option("--actor <actor>", "only this actor: token:<name>, cli, system, source:<ip>")
    .option("--since <time>", "from this ISO 8601 time, or this long ago: 30m, 1h, 7d")
    .option("--until <time>", "up to this ISO 8601 time, or this long ago")
    .option("--type <type>", "admin | fetch | all", "all")
    .option("--limit <n>", "most events shown (1-1000)", "100")
    .option("--json", "print JSON")
    .action((opts) =>
      h.withRuntime(opts, async (rt) => {
        const filter = parseAuditFilter(
          { mac: opts.mac, tenant: opts.tenant, extension: opts.extension, actor: opts.actor, since: opts.since, until: opts.until, type: opts.type, limit: opts.limit },
          rt.clock().getTime(),
        );
        const events = await queryAudit(rt, filter);
        if (opts.json) return console.log(JSON.stringify({ events }, null, 2));
        for (const e of events) console.log(formatAuditLine(e));
      }),
    );
}

function formatAuditLine(e: AuditEntry): string {
  if (e.type === "admin") return [e.at, e.actor, e.action, e.target, e.outcome, e.detail ?? ""].join("\t");
  const how = [e.authMethod, e.authUser && `user=${e.authUser}`, e.certSubject && `cert="${e.certSubject}" serial=${e.certSerial}`, e.certFailure && `refused=${e.certFailure}`, e.networkRule && `net=${e.networkRule}`]
    .filter(Boolean)
    .join(" ");
  return [e.at, e.actor, e.action, e.target, `${e.transport} ${e.status}`, how, e.credentials.length ? `credentials=${e.credentials.join(",")}` : ""].join("\t");
}

/** `secrets rotate`: new secret key, every sealed value rewritten; the server keeps running. */
function addSecretsCommands(program: Command, h: CliHelpers): void {
  const secrets = program.command("secrets").description("the key that encrypts stored secrets");
  secrets
    .command("rotate")
    .description("generate a new secret key and re-encrypt every stored secret with it (no restart needed)")
    .addOption(h.dataDirOption())
    .option("--forget-old", "drop the retired keys afterwards (older database backups become unreadable)")
    .action((opts) =>
      h.withRuntime(opts, async (rt) => {
        const config = h.configFrom(opts);
        const r = await rotateSecretKey(rt.data, createKeyRingBox(config.secretKeyFile), config.secretKeyFile, { forgetOld: opts.forgetOld === true });
        console.log(`secret key ${r.oldKeyId} -> ${r.newKeyId}: ${r.resealed} value(s) re-encrypted`);
        if (!r.retiredKeysForgotten) console.log(`the old key is kept in ${retiredKeysPath(config.secretKeyFile)} (for backups made before now)`);
      }),
    );
}

export function addSecurityCommands(program: Command, h: CliHelpers): void {
  addCertsCommands(program, h);
  addAuditCommand(program, h);
  addSecretsCommands(program, h);
}
