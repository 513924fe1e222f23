import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { tempConfig } from "../helpers/test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const env = tempConfig();
const dataDir = env.config.dataDir;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

afterAll(() => env.cleanup());

describe("phonehome CLI", () => {
  it("loads the demo site and prints its phones as JSON", async () => {
    const r = await run(["demo", "--json", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    const { devices } = JSON.parse(r.stdout);
    expect(devices.map((d: { mac: string; vendor: string; model: string }) => [d.mac, d.vendor, d.model])).toEqual([
      ["805ec0000101", "yealink", "T54W"],
      ["0004f2000102", "polycom", "VVX411"],
      ["c074ad000103", "grandstream", "GRP2614"],
      ["805ec0000104", "yealink", "T46U"],
    ]);
    for (const d of devices) {
      expect(d.username).toBe(d.mac);
      expect(d.password).toMatch(/^[A-Za-z0-9]{22}$/);
      expect(d.files.length).toBeGreaterThan(0);
    }
    const again = JSON.parse((await run(["demo", "--json", "--data-dir", dataDir])).stdout);
    expect(again.devices).toEqual(devices);
  });

  it("renders a device file with the display names escaped for the vendor", async () => {
    const yealink = await run(["render", "80:5e:c0:00:01:01", "805ec0000101.cfg", "--data-dir", dataDir]);
    expect(yealink.code).toBe(0);
    expect(yealink.stdout).toMatch(/^#!version:1\.0\.0\.1\n/);
    expect(yealink.stdout).toContain("Zoë Ångström");
    const polycom = await run(["render", "0004f2000102", "0004f2000102-phonehome.cfg", "--data-dir", dataDir]);
    expect(polycom.stdout).toContain("R&amp;D &lt;Lab&gt;");
    expect(polycom.stdout).not.toContain("R&D <Lab>");
  });

  it("creates tokens with a role and refuses an unknown role", async () => {
    const ok = await run(["token", "create", "--role", "technician", "--data-dir", dataDir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^ph_[A-Za-z0-9_-]{43}$/);
    const bad = await run(["token", "create", "--role", "root", "--data-dir", dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--role must be admin, technician, readonly, registrar or pbx/);
    const list = await run(["token", "list", "--data-dir", dataDir]);
    expect(list.stdout).toMatch(/technician/);
    expect(list.stdout).not.toMatch(/ph_/);
  });

  it("says clearly when a MAC is malformed or unknown", async () => {
    const bad = await run(["render", "not-a-mac", "x.cfg", "--data-dir", dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a MAC address/);
    const unknown = await run(["render", "805ec0999999", "805ec0999999.cfg", "--data-dir", dataDir]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no device 805ec0999999/);
  });
  it("shows a device's registrations and config drift, and refuses a resync without an address", async () => {
    const status = await run(["registrations", "--mac", "805ec0000101", "--data-dir", dataDir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ mac: "805ec0000101", registered: false, config: { state: "never-fetched" } });
    const resync = await run(["resync", "805ec0000101", "--data-dir", dataDir]);
    expect(resync.code).toBe(2);
    expect(resync.stderr).toMatch(/no known address/);
  });

  it("force-unregisters an extension in disable mode and shows the request", async () => {
    const r = await run(["force-unregister", "demo.example", "104", "--disable", "--data-dir", dataDir]);
    expect(r.code).toBe(0);
    const request = JSON.parse(r.stdout);
    expect(request).toMatchObject({ extension: "104", mode: "disable", state: "pending" });
    // 805ec0000104 carries 104 on a line, 805ec0000101 watches it on a BLF key; neither fetched yet.
    expect(request.devices.map((d: { mac: string; notify: string }) => [d.mac, d.notify]).sort()).toEqual([
      ["805ec0000101", "skipped"],
      ["805ec0000104", "skipped"],
    ]);
    const status = await run(["force-unregister-status", String(request.id), "--data-dir", dataDir]);
    expect(JSON.parse(status.stdout).id).toBe(request.id);
    const file = await run(["render", "805ec0000104", "805ec0000104.cfg", "--data-dir", dataDir]);
    expect(file.stdout).not.toContain("user_name = 104");
  });
});
