import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempConfig } from "../helpers/test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const env = tempConfig();
const dd = ["--data-dir", env.config.dataDir];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, ...dd], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await run(["demo"]);
});
afterAll(() => env.cleanup());

describe("phonehome tenant", () => {
  it("creates a tenant with the API's fields and defaults, and says which options are missing or wrong", async () => {
    const missing = await run(["tenant", "create"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--sip-domain: is required/);
    expect(missing.stderr).toMatch(/--sip-server-host: is required/);
    const bad = await run(["tenant", "create", "--sip-domain", "acme.example", "--sip-server-host", "pbx.acme.example", "--sip-server-port", "99999", "--time-zone", "Mars/Base"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sip-server-port: /);
    expect(bad.stderr).toMatch(/--time-zone: must be an IANA time zone/);
    const ok = await run(["tenant", "create", "--sip-domain", "acme.example", "--sip-server-host", "pbx.acme.example", "--ntp-servers", "ntp1.acme.example", "--ntp-servers", "ntp2.acme.example", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ name: "acme.example", sipServerPort: 5060, sipTransport: "udp", timeZone: "UTC", ntpServers: ["ntp1.acme.example", "ntp2.acme.example"] });
    const twice = await run(["tenant", "create", "--sip-domain", "acme.example", "--sip-server-host", "pbx.acme.example"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/tenant acme.example already exists/);
  });

  it("lists and shows tenants, and changes only the settings given", async () => {
    const list = await run(["tenant", "list"]);
    expect(list.stdout).toMatch(/^acme\.example\tacme\.example\tpbx\.acme\.example:5060\/udp\t0 device\(s\)$/m);
    expect(list.stdout).toMatch(/^demo\.example\t.*\t4 device\(s\)$/m);
    const set = await run(["tenant", "set", "acme.example", "--time-zone", "Europe/Lisbon", "--resync-minutes", "60", "--provisioning-base-url", "https://prov.acme.example/"]);
    expect(set.code, set.stderr).toBe(0);
    const shown = JSON.parse((await run(["tenant", "show", "acme.example", "--json"])).stdout);
    expect(shown).toMatchObject({ timeZone: "Europe/Lisbon", resyncMinutes: 60, provisioningBaseUrl: "https://prov.acme.example/", sipServerHost: "pbx.acme.example", ntpServers: ["ntp1.acme.example", "ntp2.acme.example"] });
    const unset = await run(["tenant", "set", "acme.example", "--provisioning-base-url", "none"]);
    expect(unset.code).toBe(0);
    expect(JSON.parse((await run(["tenant", "show", "acme.example", "--json"])).stdout).provisioningBaseUrl).toBeNull();
    const nothing = await run(["tenant", "set", "acme.example"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
    const proxy = await run(["tenant", "set", "acme.example", "--outbound-proxy-port", "5070"]);
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toMatch(/--outbound-proxy-port: set outboundProxyHost too/);
    expect((await run(["tenant", "show", "nope.example"])).code).toBe(3);
  });
});

describe("phonehome device", () => {
  it("creates a device as POST /devices does, with the same messages", async () => {
    const bad = await run(["device", "create", "805ec0aa0001", "--model", "T99", "--tenant", "acme.example"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown yealink model "T99" \(known: /);
    const ok = await run(["device", "create", "80:5E:C0:AA:00:01", "--model", "T54W", "--tenant", "acme.example", "--label", "Front desk", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    const d = JSON.parse(ok.stdout);
    expect(d).toMatchObject({ mac: "805ec0aa0001", vendor: "yealink", model: "T54W", tenant: "acme.example", label: "Front desk", expansionModules: 0 });
    expect(d).not.toHaveProperty("provisioningPassword");
    expect((await run(["device", "create", "805ec0aa0001", "--model", "T54W", "--tenant", "acme.example"])).code).toBe(2);
  });

  it("shows, sets lines and keys in the CSV forms or the API's JSON, and changes the device", async () => {
    expect((await run(["extension", "create", "acme.example", "201", "--name", "Ana"])).code).toBe(0);
    expect((await run(["extension", "create", "acme.example", "202", "--name", "Rui"])).code).toBe(0);
    const lines = await run(["device", "lines", "805ec0aa0001", "--set", "201;;202", "--json"]);
    expect(lines.code, lines.stderr).toBe(0);
    expect(JSON.parse(lines.stdout)).toEqual({ lines: [{ index: 1, extension: "201" }, { index: 3, extension: "202" }] });
    const tooMany = await run(["device", "lines", "805ec0aa0001", "--set", "201;;;;;;;;;;;;;;;;202"]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/lines\[1\]\.index: T54W has 16 line\(s\), not 17/);
    const keys = await run(["device", "keys", "805ec0aa0001", "--set", "1:blf:202:Rui|2:speed_dial:5551234:Shop"]);
    expect(keys.code, keys.stderr).toBe(0);
    expect(keys.stdout).toMatch(/^1\tblf\t202\tRui\tline 1$/m);
    const file = join(env.config.dataDir, "keys.json");
    writeFileSync(file, JSON.stringify({ keys: [{ index: 1, kind: "feature", value: "dnd_on" }] }));
    const fromFile = await run(["device", "keys", "805ec0aa0001", "--file", file, "--json"]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout).keys).toEqual([{ index: 1, kind: "feature", label: null, line: 1, value: "dnd_on" }]);
    writeFileSync(file, JSON.stringify({ keys: [{ index: 1, kind: "blf", value: "999" }] }));
    const refused = await run(["device", "keys", "805ec0aa0001", "--file", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/keys\[0\]\.value: /);
    const set = await run(["device", "set", "805ec0aa0001", "--label", "Back office"]);
    expect(set.code, set.stderr).toBe(0);
    const show = await run(["device", "show", "805ec0aa0001"]);
    expect(show.stdout).toMatch(/805ec0aa0001  yealink T54W  tenant acme\.example  "Back office"/);
    expect(show.stdout).toMatch(/lines: 1=201 3=202/);
    expect(show.stdout).toMatch(/keys: 1:feature:dnd_on/);
    expect((await run(["device", "show", "805ec0aa0999"])).code).toBe(3);
  });
});
