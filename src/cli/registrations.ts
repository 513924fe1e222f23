import type { Command } from "commander";
import { Option } from "commander";
import type { Config } from "../config.ts";
import { createLogger } from "../logger.ts";
import { deviceAction, massResync } from "../registrations/actions.ts";
import { invalidInput } from "../errors.ts";
import { cancelForceUnregister, enableExtension, forceUnregister, ForceUnregisterInput, presentForceUnregister } from "../registrations/force-unregister.ts";
import { sipSettingsFrom } from "../registrations/sip-settings.ts";
import { checkRegistrations } from "../registrations/tracker.ts";
import { deviceStatus, listRegistrations } from "../registrations/views.ts";
import { createRuntime } from "../runtime.ts";

type Runtime = ReturnType<typeof createRuntime>;

function requestIdArg(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidInput(`id: "${id.slice(0, 20)}" is not a request id`);
  return n;
}

/** `registrations`, `resync`, `reboot`, `force-unregister`: the CLI face of src/registrations/. */
export function addRegistrationCommands(program: Command, configFrom: (opts: Record<string, unknown>) => Config, dataDirOption: () => Option): void {
  const run = async (opts: Record<string, unknown>, fn: (rt: Runtime, config: Config) => unknown) => {
    const config = configFrom(opts);
    const rt = createRuntime(config, createLogger("warn"));
    try {
      const out = await fn(rt, config);
      if (out !== undefined) console.log(JSON.stringify(out, null, 2));
    } finally {
      rt.close();
    }
  };

  program
    .command("registrations")
    .description("list registrations (state, contact, source, expiry, last event); with --mac, the device's config drift too")
    .addOption(dataDirOption())
    .option("--tenant <tenant>", "only this tenant")
    .option("--extension <number>", "only this extension (needs --tenant)")
    .option("--mac <mac>", "one device: its registrations and whether it runs the config it should")
    .action((opts) =>
      run(opts, async (rt) => {
        await checkRegistrations(rt);
        if (opts.mac) return deviceStatus(rt, opts.mac);
        return { registrations: await listRegistrations(rt, { tenant: opts.tenant, extension: opts.extension }) };
      }),
    );

  for (const action of ["resync", "reboot"] as const) {
    program
      .command(`${action} <mac>`)
      .description(`send the device a SIP NOTIFY check-sync to ${action === "resync" ? "re-fetch its files" : "reboot"}; prints the outcome`)
      .addOption(dataDirOption())
      .action((mac: string, opts) =>
        run(opts, async (rt, config) => {
          const { done } = await deviceAction(rt, sipSettingsFrom(config), mac, action, "cli");
          const sent = await done;
          // The phone did not confirm the NOTIFY: the command did not do what it says (docs/cli.md).
          if (sent.outcome !== "ok") process.exitCode = 1;
          return sent;
        }),
      );
  }

  program
    .command("resync-all <tenant>")
    .description("resync every device of a tenant, of one extension or of one model (throttled, jittered)")
    .addOption(dataDirOption())
    .option("--extension <number>", "only the devices carrying this extension")
    .option("--model <model>", "only devices of this model")
    .action((tenant: string, opts) =>
      run(opts, async (rt, config) => {
        const { skipped, done } = await massResync(rt, sipSettingsFrom(config), { tenant, extension: opts.extension, model: opts.model }, "cli");
        const sent = await done;
        if (sent.some((s) => s.outcome !== "ok")) process.exitCode = 1;
        return { sent, skipped };
      }),
    );

  program
    .command("force-unregister <tenant> <number>")
    .description("rotate the extension's SIP password, take it off every phone (or --disable it), NOTIFY each phone")
    .addOption(dataDirOption())
    .option("--disable", "keep the assignments but disable the extension, instead of removing it from lines and keys")
    .action((tenant: string, number: string, opts) =>
      run(opts, async (rt, config) => {
        const input = ForceUnregisterInput.parse({ mode: opts.disable ? "disable" : "remove" });
        const { request, done } = await forceUnregister(rt, sipSettingsFrom(config), tenant, number, input, "cli");
        await done;
        return presentForceUnregister(rt, request.id);
      }),
    );

  program
    .command("force-unregister-cancel <id>")
    .description("stop waiting for a pending force-unregister (what it did stays done), so a new one may be made")
    .addOption(dataDirOption())
    .action((id: string, opts) => run(opts, (rt) => cancelForceUnregister(rt, requestIdArg(id), "cli")));

  program
    .command("enable <tenant> <number>")
    .description("enable an extension again after force-unregister --disable (cancels the request if still pending)")
    .addOption(dataDirOption())
    .action((tenant: string, number: string, opts) =>
      run(opts, async (rt) => {
        await enableExtension(rt, tenant, number, "cli");
        console.log(`extension ${tenant}/${number} is enabled; its phones get it at their next fetch`);
      }),
    );

  program
    .command("force-unregister-status <id>")
    .description("show a force-unregister request and its phones")
    .addOption(dataDirOption())
    .action((id: string, opts) =>
      run(opts, async (rt) => {
        await checkRegistrations(rt);
        return presentForceUnregister(rt, requestIdArg(id));
      }),
    );
}
