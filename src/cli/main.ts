import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig, ConfigError, type Config } from "../config.ts";
import { loadDemo } from "../demo.ts";
import { AppError } from "../errors.ts";
import { DatabaseBusyError, isBusy } from "../db/busy.ts";
import { ListenError } from "../listen-errors.ts";
import { createLogger } from "../logger.ts";
import { previewFile } from "../provisioning/preview.ts";
import { createRuntime } from "../runtime.ts";
import { startServer } from "../server.ts";
import { firmwareCommands } from "./firmware.ts";
import { getDevice } from "../services/devices.ts";
import { TokenRole } from "../services/schemas.ts";
import { createToken, listTokens, revokeToken } from "../services/tokens.ts";
import { addOnboardingCommands } from "./onboarding-commands.ts";
import { addRegistrationCommands } from "./registrations.ts";
import { addSecurityCommands } from "./security-commands.ts";
import { withActor } from "../services/actor.ts";
import { extensionCommands } from "./extension-commands.ts";
import { addBackupCommands } from "./backup.ts";
import { pbxCommands } from "./pbx-commands.ts";
import { hotDeskCommands } from "./hot-desk-commands.ts";
import { userCommands } from "./user-commands.ts";
import { deviceCommands, tenantCommands } from "./site-commands.ts";
import { exitQuietlyOnClosedPipe, isClosedPipe } from "./closed-pipe.ts";
import { dbCommands, refuseServingFromPostgres } from "./db-commands.ts";

const portArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("must be a port number 0-65535");
  return n;
};

const dataDirOption = () => new Option("--data-dir <dir>", "data directory (env PHONEHOME_DATA_DIR, default ./data)");

export function configFrom(opts: Record<string, unknown>): Config {
  return loadConfig({
    dataDir: opts.dataDir,
    httpPort: opts.httpPort,
    httpHost: opts.httpHost,
    apiPort: opts.apiPort,
    apiHost: opts.apiHost,
    publicUrl: opts.publicUrl,
    httpsPort: opts.httpsPort,
    httpsHost: opts.httpsHost,
    certsDir: opts.certsDir,
    tftpPort: opts.tftpPort,
    tftpHost: opts.tftpHost,
    firmwareDir: opts.firmwareDir,
    kamailioDb: opts.kamailioDb,
    databaseUrl: opts.databaseUrl,
  });
}

/** Runs `fn` with a runtime whose logs stay quiet (CLI output is for the user). */
/** Runs `fn` on a runtime as the actor `cli`, and closes it: once its promise has settled when `fn` is asynchronous. */
export function withRuntime<T>(opts: Record<string, unknown>, fn: (rt: ReturnType<typeof createRuntime>) => T): T {
  const rt = createRuntime(configFrom(opts), createLogger("warn"));
  let result: T;
  try {
    result = withActor("cli", () => fn(rt));
  } catch (err) {
    rt.close();
    throw err;
  }
  // A command on the asynchronous data handle returns a promise: the runtime closes once it settles.
  if (result instanceof Promise) return result.finally(() => rt.close()) as T;
  rt.close();
  return result;
}

export function buildCli(): Command {
  const program = new Command("phonehome").description("IP-phone auto-provisioning server").showHelpAfterError();

  program
    .command("serve")
    .description("run the phone-facing HTTP server and the admin API")
    .addOption(dataDirOption())
    .option("--http-port <port>", "phone-facing port (env PHONEHOME_HTTP_PORT, default 8080)", portArg)
    .option("--http-host <addr>", "phone-facing bind address (env PHONEHOME_HTTP_HOST, default 0.0.0.0)")
    .option("--api-port <port>", "admin API port (env PHONEHOME_API_PORT, default 8081)", portArg)
    .option("--api-host <addr>", "admin API bind address (env PHONEHOME_API_HOST, default 127.0.0.1)")
    .option("--public-url <url>", "URL phones are told to fetch from (env PHONEHOME_PUBLIC_URL)")
    .option("--https-port <port>", "phone-facing HTTPS port (env PHONEHOME_HTTPS_PORT; unset = no HTTPS)", portArg)
    .option("--https-host <addr>", "HTTPS bind address (env PHONEHOME_HTTPS_HOST, default the HTTP one)")
    .option("--certs-dir <dir>", "certificates from `certs init` (env PHONEHOME_CERTS_DIR, default <data-dir>/certs)")
    .option("--tftp-port <port>", "TFTP port (env PHONEHOME_TFTP_PORT, default 69; on the default, taken or not permitted = a warning and no TFTP)", portArg)
    .option("--tftp-host <addr>", "TFTP bind address (env PHONEHOME_TFTP_HOST, default 0.0.0.0)")
    .option("--firmware-dir <dir>", "firmware images folder (env PHONEHOME_FIRMWARE_DIR, default ./firmware)")
    .option("--kamailio-db <file>", "Kamailio SQLite database whose subscriber table phonehome keeps current (env PHONEHOME_KAMAILIO_DB)")
    .action(async (opts) => {
      const config = configFrom(opts);
      refuseServingFromPostgres(config);
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger);
      const stop = () => {
        logger.info("shutting down");
        void server.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });

  const token = program.command("token").description("admin API bearer tokens");
  token
    .command("create")
    .description("create a token and print it (shown once)")
    .addOption(dataDirOption())
    .requiredOption("--role <role>", "admin | technician | readonly | registrar | pbx")
    .option("--name <name>", "a note saying whose token it is (default <role>-<id>)")
    .option("--tenant <tenant>", "pbx: a tenant whose SIP credentials it may read (repeatable, at least one)", (v: string, p: string[] = []) => [...p, v])
    .action((opts) => {
      const role = TokenRole.safeParse(opts.role);
      if (!role.success) throw new AppError(400, "invalid_input", `--role must be ${TokenRole.options.slice(0, -1).join(", ")} or ${TokenRole.options.at(-1)}, not "${opts.role}"`);
      return withRuntime(opts, async (rt) => {
        const { token, row } = await createToken(rt, role.data, opts.name, opts.tenant ?? []);
        console.log(token);
        console.error(`token ${row.id} "${row.name}" (${row.role}); it is shown once`);
      });
    });
  token
    .command("list")
    .description("list tokens (never their values)")
    .addOption(dataDirOption())
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        for (const t of await listTokens(rt)) {
          console.log(`${t.id}\t${t.role}\t${t.name}\t${t.revokedAt ? "revoked" : "active"}`);
        }
      }),
    );
  token
    .command("revoke <id>")
    .description("revoke a token by id")
    .addOption(dataDirOption())
    .action((id: string, opts) => withRuntime(opts, (rt) => revokeToken(rt, Number(id))));

  firmwareCommands(program, (opts) => {
    const config = configFrom(opts);
    return { rt: createRuntime(config, createLogger("warn")), config };
  });

  program
    .command("render <mac> <file>")
    .description("print a file exactly as the phone would receive it")
    .addOption(dataDirOption())
    .option("--public-url <url>", "URL phones are told to fetch from")
    .action((mac: string, file: string, opts) =>
      withRuntime(opts, async (rt) => {
        process.stdout.write((await previewFile(rt, await getDevice(rt, mac), file)).body);
      }),
    );

  program
    .command("demo")
    .description("load the demo site (docs/demo.md) into the data directory")
    .addOption(dataDirOption())
    .option("--public-url <url>", "URL phones are told to fetch from")
    .option("--json", "print the demo phones and their provisioning credentials as JSON")
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        const devices = await loadDemo(rt);
        if (opts.json) console.log(JSON.stringify({ devices }, null, 2));
        else for (const d of devices) console.log(`${d.mac}  ${d.vendor} ${d.model}  user ${d.username}  password ${d.password}`);
      }),
    );
  addOnboardingCommands(program, dataDirOption);
  addRegistrationCommands(program, configFrom, dataDirOption);
  addSecurityCommands(program, { dataDirOption, configFrom, withRuntime });
  program.addCommand(extensionCommands(withRuntime, dataDirOption));
  addBackupCommands(program, dataDirOption, configFrom);
  program.addCommand(pbxCommands({ withRuntime, configFrom, dataDirOption }));
  program.addCommand(hotDeskCommands(configFrom, dataDirOption));
  program.addCommand(userCommands(withRuntime, dataDirOption));
  program.addCommand(tenantCommands(withRuntime, dataDirOption));
  program.addCommand(deviceCommands(withRuntime, dataDirOption));
  program.addCommand(dbCommands(configFrom, dataDirOption));
  return program;
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    await buildCli().parseAsync(argv);
  } catch (caught) {
    const err = isBusy(caught) ? new DatabaseBusyError(0) : caught;
    if (isClosedPipe(err)) return;
    if (err instanceof AppError || err instanceof ConfigError) {
      console.error(`phonehome: ${err.message}`);
      process.exitCode = err instanceof AppError && err.status === 404 ? 3 : 2;
      return;
    }
    if (err instanceof ListenError) {
      // A port in use or not permitted: the message says which listener and how to move it.
      console.error(`phonehome: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
