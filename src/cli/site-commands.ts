import { readFileSync } from "node:fs";
import { Command, type Option } from "commander";
import { eq } from "drizzle-orm";
import { first } from "../db/data.ts";
import { invalidInput, notFound } from "../errors.ts";
import { presentDevice, presentTenant } from "../http/admin/presenters.ts";
import { LINE_SEPARATOR } from "../onboarding/columns.ts";
import { formatKeyLayout, parseKeyLayout } from "../onboarding/key-layout-text.ts";
import type { createRuntime } from "../runtime.ts";
import { getKeys, getLines, setKeys, setLines } from "../services/device-layout.ts";
import { createDevice, getDevice, listDevices, updateDevice } from "../services/devices.ts";
import { DeviceInput, DevicePatch, KeysBody, LinesBody, parseListBody, TenantInput, TenantPatch } from "../services/schemas.ts";
import { createTenant, listTenants, readTenant, updateTenant } from "../services/tenants.ts";
import { addSchemaOptions, bodyFromOptions, parseOptions, withOptionNames } from "./schema-options.ts";

/**
 * `phonehome tenant ...` and `phonehome device ...`: what the admin API does for one site, through
 * the same services and the same input schemas (options are the API's fields in kebab case).
 * Output has no secrets: device passwords are for the API's admin tokens (docs/cli.md).
 */
type Runtime = ReturnType<typeof createRuntime>;
type WithRuntime = <T>(opts: Record<string, unknown>, fn: (rt: Runtime) => T) => T;

const TENANT_HELP: Record<string, string> = {
  name: "identifier [the SIP domain, lowercased]",
  sipDomain: "SIP domain of the accounts (required)",
  sipServerHost: "registrar host (required)",
  sipServerPort: "registrar port [5060]",
  sipTransport: "udp | tcp | tls [udp]",
  registerExpires: "REGISTER expiry in seconds [3600]",
  timeZone: "IANA time zone [UTC]",
  ntpServers: "NTP server [pool.ntp.org]",
  provisioningBaseUrl: "URL phones fetch from [the server's publicUrl]",
  resyncMinutes: "periodic re-fetch interval, 0 = off [1440]",
  authMode: "credentials | network | certificate | ... (docs/api.md) [credentials]",
  allowedNetworks: "CIDR phones may call from",
  configEncryption: "encrypt device files where the vendor can [false]",
};

const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

function tenantText(t: ReturnType<typeof presentTenant>): string {
  return Object.entries(t)
    .map(([k, v]) => `${k}\t${Array.isArray(v) ? v.join(",") || "-" : (v ?? "-")}`)
    .join("\n");
}

export function tenantCommands(withRuntime: WithRuntime, dataDirOption: () => Option): Command {
  const cmd = new Command("tenant").description("create, list, show and change tenants");
  const shape = TenantInput.shape;
  addSchemaOptions(cmd.command("create").description("create a tenant (POST /tenants); feature codes are seeded").addOption(dataDirOption()), shape, TENANT_HELP)
    .option("--json", "print the tenant as JSON")
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        const t = presentTenant(await withOptionNames(shape, () => createTenant(rt, parseOptions(TenantInput, shape, bodyFromOptions(opts, shape)))));
        if (opts.json) return print(t);
        console.log(`tenant ${t.name} created (SIP ${t.sipDomain} via ${t.sipServerHost}:${t.sipServerPort}/${t.sipTransport})`);
      }),
    );
  cmd
    .command("list")
    .description("one line per tenant: name, SIP domain, registrar, devices")
    .addOption(dataDirOption())
    .option("--json", "print JSON")
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        const all = (await listTenants(rt)).map(presentTenant);
        if (opts.json) return print({ tenants: all });
        for (const t of all) console.log(`${t.name}\t${t.sipDomain}\t${t.sipServerHost}:${t.sipServerPort}/${t.sipTransport}\t${(await listDevices(rt, t.name)).length} device(s)`);
      }),
    );
  cmd
    .command("show <tenant>")
    .description("every setting of a tenant (GET /tenants/{tenant})")
    .addOption(dataDirOption())
    .option("--json", "print JSON")
    .action((name: string, opts) =>
      withRuntime(opts, async (rt) => {
        const t = presentTenant(await readTenant(rt, name));
        if (opts.json) return print(t);
        console.log(tenantText(t));
      }),
    );
  const patchShape = TenantPatch.shape;
  addSchemaOptions(cmd.command("set <tenant>").description("change the settings given, and only those (PATCH /tenants/{tenant})").addOption(dataDirOption()), patchShape, TENANT_HELP)
    .option("--json", "print the tenant as JSON")
    .action((name: string, opts) =>
      withRuntime(opts, async (rt) => {
        const body = bodyFromOptions(opts, patchShape);
        if (!Object.keys(body).length) throw invalidInput(`nothing to change: give at least one setting, e.g. --time-zone Europe/Berlin (phonehome tenant set --help)`);
        const t = presentTenant(await withOptionNames(patchShape, () => updateTenant(rt, name, parseOptions(TenantPatch, patchShape, body))));
        if (opts.json) return print(t);
        console.log(`tenant ${t.name}: ${Object.keys(body).join(", ")} changed`);
      }),
    );
  return cmd;
}

async function tenantNameOf(rt: Runtime, tenantId: number): Promise<string> {
  const t = await rt.data.read(async (q) => first(await q.db.select({ name: q.t.tenants.name }).from(q.t.tenants).where(eq(q.t.tenants.id, tenantId)).limit(1)));
  return t?.name ?? "";
}

/** `101;;103` (the CSV `lines` form) -> lines 1 and 3. */
function linesFromText(text: string) {
  return text
    .split(LINE_SEPARATOR)
    .map((s, i) => ({ index: i + 1, extension: s.trim() }))
    .filter((l) => l.extension !== "");
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch {
    throw notFound(`cannot read ${file}: no such file`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalidInput(`${file}: not valid JSON`);
  }
}

export function deviceCommands(withRuntime: WithRuntime, dataDirOption: () => Option): Command {
  const cmd = new Command("device").description("create and show devices; their lines and keys");
  const shape = DeviceInput.shape;
  addSchemaOptions(
    cmd.command("create <mac>").description("create a device (POST /devices); it leaves the discovery inbox").addOption(dataDirOption()),
    shape,
    { vendor: "yealink | polycom | grandstream [from the MAC's OUI]", model: "model id, e.g. T54W (required)", tenant: "tenant name (required)", label: "a note [none]", expansionModules: "key expansion modules attached [0]" },
    ["mac"],
  )
    .option("--json", "print the device as JSON")
    .action((mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        const d = await withOptionNames(shape, () => createDevice(rt, parseOptions(DeviceInput, shape, { ...bodyFromOptions(opts, shape), mac })));
        const view = presentDevice(d, await tenantNameOf(rt, d.tenantId), null);
        if (opts.json) return print(view);
        console.log(`device ${d.mac} created (${d.vendor} ${d.model}, tenant ${view.tenant}); provisioning user ${d.provUsername}`);
      }),
    );
  const patchShape = DevicePatch.shape;
  addSchemaOptions(cmd.command("set <mac>").description("change model, label or expansion modules (PATCH /devices/{mac})").addOption(dataDirOption()), patchShape)
    .action((mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        const body = bodyFromOptions(opts, patchShape);
        if (!Object.keys(body).length) throw invalidInput("nothing to change: give --model, --label or --expansion-modules");
        const d = await withOptionNames(patchShape, () => updateDevice(rt, mac, parseOptions(DevicePatch, patchShape, body)));
        console.log(`device ${d.mac}: ${Object.keys(body).join(", ")} changed`);
      }),
    );
  cmd
    .command("show <mac>")
    .description("the device with its lines and keys (GET /devices/{mac}, without passwords)")
    .addOption(dataDirOption())
    .option("--json", "print JSON")
    .action((mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        const d = await getDevice(rt, mac);
        const view = { ...presentDevice(d, await tenantNameOf(rt, d.tenantId), null), lines: await getLines(rt, d.mac), keys: await getKeys(rt, d.mac) };
        if (opts.json) return print(view);
        console.log(`${view.mac}  ${view.vendor} ${view.model}  tenant ${view.tenant}${view.label ? `  "${view.label}"` : ""}`);
        console.log(`last seen: ${view.lastSeenAt ?? "never"}${view.lastIp ? ` from ${view.lastIp}` : ""}${view.lastFirmware ? `, firmware ${view.lastFirmware}` : ""}`);
        console.log(`lines: ${view.lines.map((l) => `${l.index}=${l.extension}`).join(" ") || "none"}`);
        console.log(`keys: ${formatKeyLayout(view.keys) || "none"}`);
      }),
    );
  cmd
    .command("lines <mac>")
    .description("show the device's lines, or replace them all with --set (PUT /devices/{mac}/lines)")
    .addOption(dataDirOption())
    .option("--set <lines>", "extension of each line, as in the CSV: 101;102 (an empty slot leaves that line empty)")
    .option("--json", "print JSON")
    .action((mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        const lines = opts.set === undefined ? await getLines(rt, mac) : await setLines(rt, mac, parseListBody(LinesBody, "lines", linesFromText(opts.set)).lines);
        if (opts.json) return print({ lines });
        for (const l of lines) console.log(`${l.index}\t${l.extension}`);
      }),
    );
  cmd
    .command("keys <mac>")
    .description("show the device's own keys, or replace them all (PUT /devices/{mac}/keys)")
    .addOption(dataDirOption())
    .option("--set <layout>", "keys in the CSV key_layout form: 1:blf:102|2:speed_dial:5551234:Front desk (docs/onboarding.md); \"\" = no keys")
    .option("--file <json>", "keys as the API's body, { \"keys\": [...] } (- = stdin)")
    .option("--json", "print JSON")
    .action((mac: string, opts) =>
      withRuntime(opts, async (rt) => {
        if (opts.set !== undefined && opts.file !== undefined) throw invalidInput("give --set or --file, not both");
        let keys = await getKeys(rt, mac);
        if (opts.set !== undefined) {
          const parsed = opts.set === "" ? { ok: true as const, keys: [] } : parseKeyLayout(opts.set);
          if (!parsed.ok) throw invalidInput(`--set: ${parsed.reason}`);
          keys = await setKeys(rt, mac, parsed.keys);
        } else if (opts.file !== undefined) keys = await setKeys(rt, mac, parseListBody(KeysBody, "keys", readJson(opts.file)).keys);
        if (opts.json) return print({ keys });
        for (const k of keys) console.log(`${k.index}\t${k.kind}\t${k.value ?? "-"}\t${k.label ?? "-"}\tline ${k.line}`);
      }),
    );
  return cmd;
}
