import { Command, InvalidArgumentError, type Option } from "commander";
import { ZodError } from "zod";
import { invalidInput } from "../errors.ts";
import { describeIssues } from "../services/schemas.ts";
import type { Config } from "../config.ts";
import { createLogger } from "../logger.ts";
import { listHotDesks } from "../hot-desk/desk-state.ts";
import { disableHotDesk, enableHotDesk, signIn, signOut, type DeskChange } from "../hot-desk/desks.ts";
import { addHotDeskDefault, listHotDeskDefaults, removeHotDeskDefault } from "../hot-desk/defaults.ts";
import { notifyChange } from "../hot-desk/notify.ts";
import { getHotDeskProfile, updateHotDeskProfile } from "../hot-desk/person.ts";
import { pinLimitsFrom } from "../hot-desk/pin-guard.ts";
import { getRules, updateRules } from "../hot-desk/rules.ts";
import { sweepHotDesks } from "../hot-desk/sweep.ts";
import { sipSettingsFrom } from "../registrations/sip-settings.ts";
import { createRuntime } from "../runtime.ts";
import { withActor } from "../services/actor.ts";

type Runtime = ReturnType<typeof createRuntime>;

const keyArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a key number (1, 2, ...)");
  return n;
};
const offOr = <T>(parse: (v: string) => T) => (v: string): T | null => (v === "off" ? null : parse(v));
const hoursArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number of hours, or "off"');
  return n;
};
const yesNo = (v: string): boolean => {
  if (v === "yes" || v === "true") return true;
  if (v === "no" || v === "false") return false;
  throw new InvalidArgumentError("must be yes or no");
};

/** `phonehome hot-desk ...` (docs/cli.md, docs/hot-desking.md): the CLI face of src/hot-desk/. */
export function hotDeskCommands(configFrom: (opts: Record<string, unknown>) => Config, dataDirOption: () => Option): Command {
  const cmd = new Command("hot-desk").description("hot desks: enable a device, sign people in and out, list who sits where, hoteling rules");
  const run = async (opts: Record<string, unknown>, fn: (rt: Runtime, config: Config) => unknown) => {
    const config = configFrom(opts);
    const rt = createRuntime(config, createLogger("warn"));
    try {
      const out = await withActor("cli", () => fn(rt, config));
      if (out !== undefined) console.log(JSON.stringify(out, null, 2));
    } catch (err) {
      // Bad option values get the API's message (field: what is wrong) and exit 2.
      throw err instanceof ZodError ? invalidInput(describeIssues(err)) : err;
    } finally {
      rt.close();
    }
  };
  /** Sends the NOTIFYs a committed change queued and waits for the phones' answers. */
  const notifying = async (rt: Runtime, config: Config, changes: DeskChange[]) => {
    const n = notifyChange(rt, sipSettingsFrom(config), changes);
    const sent = await n.done;
    return { notified: n.notified, skipped: n.skipped, outcomes: sent.map((s) => ({ mac: s.mac, outcome: s.outcome, detail: s.detail })) };
  };
  const changing = async (rt: Runtime, config: Config, c: DeskChange) => ({ hotDesk: c.desk, moved: c.moved, notify: await notifying(rt, config, [c]) });

  cmd
    .command("enable <mac>")
    .description("make the device a hot desk: its lines and keys are its base profile; a Sign in key (dials 9902) goes to the first free key")
    .addOption(dataDirOption())
    .option("--key <n>", "the key slot of the Sign in / Sign out key", keyArg)
    .option("--no-key", "no hot-desk key (people dial the codes)")
    .action((mac: string, opts) =>
      run(opts, async (rt, config) => changing(rt, config, await enableHotDesk(rt, mac, { key: opts.key === false ? null : opts.key }))),
    );
  cmd
    .command("disable <mac>")
    .description("no longer a hot desk: whoever sits there is signed out, the Sign in key is removed")
    .addOption(dataDirOption())
    .action((mac: string, opts) => run(opts, async (rt, config) => changing(rt, config, await disableHotDesk(rt, mac))));
  cmd
    .command("sign-in <mac> <extension>")
    .description("sign the extension in at the hot desk (no PIN); with one desk per person it leaves any other desk")
    .addOption(dataDirOption())
    .action((mac: string, extension: string, opts) => run(opts, async (rt, config) => changing(rt, config, await signIn(rt, mac, extension, "cli"))));
  cmd
    .command("sign-out <mac>")
    .description("sign out whoever sits at the hot desk: its base profile comes back")
    .addOption(dataDirOption())
    .action((mac: string, opts) => run(opts, async (rt, config) => changing(rt, config, await signOut(rt, mac, "cli"))));
  cmd
    .command("list")
    .description("hot desks and who sits where")
    .addOption(dataDirOption())
    .option("--tenant <tenant>", "only this tenant")
    .action((opts) => run(opts, async (rt) => ({ hotDesks: await listHotDesks(rt, opts.tenant) })));
  cmd
    .command("rules <tenant>")
    .description("show or change the tenant's hoteling rules (automatic sign-out, one desk per person)")
    .addOption(dataDirOption())
    .option("--sign-out-at <HH:MM>", 'sign everyone out at this tenant-local time, or "off"', offOr(String))
    .option("--max-hours <n>", 'sign a person out after this many hours, or "off"', offOr(hoursArg))
    .option("--one-desk-per-person <yes|no>", "a sign-in at a second desk signs the person out of the first", yesNo)
    .action((tenant: string, opts) =>
      run(opts, (rt) => {
        const patch = Object.fromEntries(
          Object.entries({ signOutAt: opts.signOutAt, maxHours: opts.maxHours, oneDeskPerPerson: opts.oneDeskPerPerson }).filter(([, v]) => v !== undefined),
        );
        return Object.keys(patch).length ? updateRules(rt, tenant, patch) : getRules(rt, tenant);
      }),
    );
  cmd
    .command("profile <tenant> <number>")
    .description("show or set what the extension brings to a hot desk: its hot-desk PIN and key layout")
    .addOption(dataDirOption())
    .option("--pin <digits>", "hot-desk PIN (4-12 digits); without one the voicemail PIN signs in")
    .option("--no-pin", "remove the hot-desk PIN (the voicemail PIN signs in)")
    .option("--layout <name>", "key layout the phone shows while the person is signed in")
    .option("--no-layout", "keep the desk's own keys")
    .action((tenant: string, number: string, opts) =>
      run(opts, (rt) => {
        const patch = Object.fromEntries(
          Object.entries({ pin: opts.pin === false ? null : opts.pin, layout: opts.layout === false ? null : opts.layout }).filter(([, v]) => v !== undefined && v !== true),
        );
        return Object.keys(patch).length ? updateHotDeskProfile(rt, tenant, number, patch) : getHotDeskProfile(rt, tenant, number);
      }),
    );
  const def = cmd.command("default").description("models that are hot desks by default in a tenant (every device of the model, unless disabled)");
  def
    .command("add <model>")
    .description("make every device of the model in the tenant a hot desk, its lines and keys as they are (no Sign in key: people dial the code)")
    .addOption(dataDirOption())
    .requiredOption("--tenant <tenant>", "the tenant")
    .option("--vendor <vendor>", "the vendor, when the model name is not enough")
    .action((model: string, opts) => run(opts, (rt) => addHotDeskDefault(rt, opts.tenant, model, opts.vendor)));
  def
    .command("remove <model>")
    .description("the model is no longer a hot desk by default; people at its default desks are signed out")
    .addOption(dataDirOption())
    .requiredOption("--tenant <tenant>", "the tenant")
    .option("--vendor <vendor>", "the vendor, when the model name is not enough")
    .action((model: string, opts) =>
      run(opts, async (rt, config) => {
        const { removed, changes } = await removeHotDeskDefault(rt, opts.tenant, model, opts.vendor);
        return { removed, signedOut: changes.flatMap((c) => c.changed.map((d) => d.mac)), notify: await notifying(rt, config, changes) };
      }),
    );
  def
    .command("list")
    .description("the tenant's hot-desk default models, with how many desks each makes and the devices taken out")
    .addOption(dataDirOption())
    .requiredOption("--tenant <tenant>", "the tenant")
    .action((opts) => run(opts, (rt) => listHotDeskDefaults(rt, opts.tenant)));
  cmd
    .command("sweep")
    .description("apply the tenants' automatic sign-out rules now (the server does it every hotDeskSweepMs)")
    .addOption(dataDirOption())
    .action((opts) =>
      run(opts, async (rt, config) => {
        const { signedOut, notify } = await sweepHotDesks(rt, sipSettingsFrom(config), pinLimitsFrom(config));
        const sent = await notify.done;
        return { signedOut, notify: { notified: notify.notified, skipped: notify.skipped, outcomes: sent.map((s) => ({ mac: s.mac, outcome: s.outcome, detail: s.detail })) } };
      }),
    );
  return cmd;
}
