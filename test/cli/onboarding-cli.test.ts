import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime } from "../../src/runtime.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { dumpDb, tempConfig } from "../helpers/test-deps.ts";

const BIN = fileURLToPath(new URL("../../bin/phonehome.mjs", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../../docs/onboarding-example.csv", import.meta.url));
const env = tempConfig();
const dataDir = env.config.dataDir;
const file = (name: string) => join(dataDir, name);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, "--data-dir", dataDir], { env: { ...process.env, PHONEHOME_DATA_DIR: "" } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function snapshot(): string {
  const rt = createRuntime(env.config, pino({ level: "silent" }));
  try {
    return dumpDb(rt);
  } finally {
    rt.close();
  }
}

beforeAll(async () => {
  // The example file's site: docs/onboarding.md walks through it.
  const rt = createRuntime(env.config, pino({ level: "silent" }));
  await createTenant(rt, TenantInput.parse({ sipDomain: "acme.example", sipServerHost: "pbx.acme.example" }));
  for (const n of ["101", "102", "103", "104", "105", "110"]) await createExtension(rt, "acme.example", ExtensionInput.parse({ number: n, displayName: `User ${n}` }));
  rt.close();
});
afterAll(() => env.cleanup());

describe("phonehome import / export", () => {
  it("dry-runs the example file (exit 0, nothing written), imports it, and re-imports it unchanged", async () => {
    const before = snapshot();
    const dry = await run(["import", EXAMPLE, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run, nothing written; it would be imported: 4 row\(s\): 4 created/);
    expect(dry.stderr).toMatch(/^checking: 4 rows \(100%\)$/m); // not a terminal: plain progress lines
    expect(snapshot()).toBe(before);
    const real = await run(["import", EXAMPLE]);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/imported 4 row\(s\): 4 created, 0 updated, 0 unchanged \(batch 1;/);
    const again = await run(["import", EXAMPLE]);
    expect(again.stdout).toMatch(/4 unchanged \(nothing to change\)/);
    const status = await run(["import-status", "1"]);
    expect(status.stdout).toMatch(/0 fetched, 0 refused, 4 never called in; 0 registered/);
  });

  it("exits 1 with the report when the file is refused, and writes nothing", async () => {
    writeFileSync(file("bad.csv"), "mac,vendor,model,tenant,lines,label,key_layout\n805ec0ee0001,,T54W,acme.example,199,,\nzz,,T54W,acme.example,101,,\n");
    const before = snapshot();
    const r = await run(["import", file("bad.csv")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("row 2, column lines: extension 199 does not exist in tenant acme.example");
    expect(r.stdout).toMatch(/row 3, column mac: "zz" is not a MAC address/);
    expect(r.stdout).toMatch(/refused, 2 problem\(s\) in 2 row\(s\); nothing was written/);
    writeFileSync(file("empty.csv"), "");
    const empty = await run(["import", file("empty.csv"), "--dry-run"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/malformed CSV: the file is empty/);
    expect(snapshot()).toBe(before);
  });

  it("exports the same format, round-tripping the example", async () => {
    const r = await run(["export", file("out.csv")]);
    expect(r.code).toBe(0);
    const lines = (t: string) => t.trim().split("\n").map((l) => l.replace(/^[^,]+/, (m) => m.replace(/[:.-]/g, "").toLowerCase())).sort();
    const exported = readFileSync(file("out.csv"), "utf8");
    expect(exported.split("\n")[0]).toBe("mac,vendor,model,tenant,lines,label,key_layout");
    expect(exported).toContain("805ec0aa0001,yealink,T54W,acme.example,101;102,Reception,2:blf:103|3:blf:104|4:speed_dial:5551234:Front desk|5:park|6:feature:dnd_on");
    const before = snapshot();
    expect((await run(["import", file("out.csv")])).stdout).toMatch(/4 unchanged/);
    expect(snapshot()).toBe(before);
    expect(lines(exported)).toHaveLength(5);
  });
});
