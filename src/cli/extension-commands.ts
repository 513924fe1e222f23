import { Command, Option } from "commander";
import type { z } from "zod";
import { invalidInput } from "../errors.ts";
import type { createRuntime } from "../runtime.ts";
import { getDevice } from "../services/devices.ts";
import { presentEndpoints, presentVoicemail } from "../http/admin/extension-presenters.ts";
import { addExtensionCsvCommands } from "./extension-csv-commands.ts";
import { assignExtensionLine } from "../services/line-assignment.ts";
import { ProfileInput } from "../services/extension-settings/schemas.ts";
import { putProfile, readSettings } from "../services/extension-settings/sections.ts";
import { createExtension, devicesUsingExtension, listExtensions, numberWarnings } from "../services/extensions.ts";
import { extensionGroupNamesIn } from "../services/extension-usage.ts";
import { phoneNumbersOfIn } from "../services/phone-numbers.ts";
import { describeIssues, ExtensionInput } from "../services/schemas.ts";

type Runtime = ReturnType<typeof createRuntime>;
type WithRuntime = <T>(opts: Record<string, unknown>, fn: (rt: Runtime) => T) => T;

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidInput(describeIssues(r.error));
  return r.data;
}

/** `phonehome extension ...`: the everyday operations on extensions (docs/cli.md). */
export function extensionCommands(withRuntime: WithRuntime, dataDirOption: () => Option): Command {
  const cmd = new Command("extension").description("create, list and show extensions; put one on a phone");
  cmd
    .command("create <tenant> <number>")
    .description("create an extension (numbering plan checked; warnings printed)")
    .addOption(dataDirOption())
    .requiredOption("--name <displayName>", "display name shown on the phones")
    .option("--username <username>", "portal username [the number]")
    .option("--role <role>", "user | operator | manager | administrator", "user")
    .action((tenant: string, number: string, opts) =>
      withRuntime(opts, async (rt) => {
        const input = parse(ExtensionInput, { number, displayName: opts.name });
        const profile = parse(ProfileInput, { username: opts.username ?? number, role: opts.role });
        const ext = await createExtension(rt, tenant, input);
        await putProfile(rt, tenant, ext.number, profile);
        console.log(`extension ${ext.number} created (SIP user ${ext.sipUser})`);
        for (const w of await numberWarnings(rt, tenant, ext.number)) console.log(`warning: ${w}`);
      }),
    );
  cmd
    .command("list <tenant>")
    .description("list a tenant's extensions")
    .addOption(dataDirOption())
    .action((tenant: string, opts) =>
      withRuntime(opts, async (rt) => {
        for (const e of await listExtensions(rt, tenant)) console.log(`${e.number}\t${e.displayName}\t${(await devicesUsingExtension(rt, e.id)).join(",") || "-"}`);
      }),
    );
  cmd
    .command("show <tenant> <number>")
    .description("show an extension with its phones, groups and settings")
    .addOption(dataDirOption())
    .option("--json", "print JSON")
    .action((tenant: string, number: string, opts) =>
      withRuntime(opts, async (rt) => {
        const read = await readSettings(rt, tenant, number);
        const { ext, settings } = read;
        const [groups, phoneNumbers] = await rt.data.read(async (q) => [await extensionGroupNamesIn(q, ext.id), await phoneNumbersOfIn(q, ext.id)]);
        // The sections as a non-admin token reads them: no PIN, no password, no ciphertext.
        const view = {
          number: ext.number,
          displayName: ext.displayName,
          sipUser: ext.sipUser,
          devices: await devicesUsingExtension(rt, ext.id),
          groups,
          phoneNumbers,
          ...settings,
          voicemail: presentVoicemail(rt.secrets, settings, false),
          allowedEndpoints: presentEndpoints(rt.secrets, read, false),
        };
        if (opts.json) return console.log(JSON.stringify(view, null, 2));
        console.log(`${view.number}  ${view.displayName}  (username ${settings.username}, role ${settings.profile.role})`);
        console.log(`phones: ${view.devices.join(", ") || "none"}`);
        console.log(`groups: ${view.groups.join(", ") || "none"}`);
        console.log(`phone numbers: ${view.phoneNumbers.join(", ") || "none"}`);
        console.log(`voicemail: ${settings.voicemail.unansweredCalls}; calls queued: ${settings.callWaiting.queueCalls ? "yes" : "no"}; presentation: ${settings.numberSettings.presentation}`);
      }),
    );
  cmd
    .command("assign <tenant> <number> <mac>")
    .description("put the extension on a phone's line (the first free line unless --line)")
    .addOption(dataDirOption())
    .option("--line <n>", "line index on the phone", (v) => Number(v))
    .action((tenant: string, number: string, mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        const r = await assignExtensionLine(rt, tenant, number, mac, opts.line);
        const device = await getDevice(rt, mac);
        console.log(r.changed ? `extension ${number} is on line ${r.index} of ${device.mac}` : `extension ${number} is already on line ${r.index} of ${device.mac}; nothing changed`);
      }),
    );
  addExtensionCsvCommands(cmd, dataDirOption);
  return cmd;
}
