import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempConfig } from "../helpers/test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const env = tempConfig();
const dd = ["--data-dir", env.config.dataDir];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await run(["demo", ...dd]);
});
afterAll(() => env.cleanup());

describe("phonehome extension", () => {
  it("creates an extension, refusing a restricted number and warning outside the recommended ranges", async () => {
    const bad = await run(["extension", "create", "demo.example", "911", "--name", "Nope", ...dd]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/911 is in the restricted range 911 \(Emergency Services\)/);
    const ok = await run(["extension", "create", "demo.example", "650", "--name", "Lab phone", "--username", "lab", ...dd]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/extension 650 created/);
    expect(ok.stdout).toMatch(/warning: 650 is in no recommended range/);
  });

  it("puts it on a phone's first free line and shows it with its phones", async () => {
    const a = await run(["extension", "assign", "demo.example", "650", "805ec0000104", ...dd]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/extension 650 is on line 3 of 805ec0000104/);
    const show = await run(["extension", "show", "demo.example", "650", "--json", ...dd]);
    const view = JSON.parse(show.stdout);
    expect(view).toMatchObject({ number: "650", displayName: "Lab phone", devices: ["805ec0000104"], profile: { username: "lab", role: "user" } });
    const text = await run(["extension", "show", "demo.example", "650", ...dd]);
    expect(text.stdout).toMatch(/phones: 805ec0000104/);
    const list = await run(["extension", "list", "demo.example", ...dd]);
    expect(list.stdout).toMatch(/^650\tLab phone\t805ec0000104$/m);
  });

  it("says clearly what is unknown", async () => {
    const r = await run(["extension", "show", "demo.example", "777", ...dd]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no extension 777 in tenant demo.example/);
  });
});
