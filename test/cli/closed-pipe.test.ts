import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner } from "../helpers/cli-run.ts";
import { tempConfig } from "../helpers/test-deps.ts";

const env = tempConfig();
const { run, runIntoHead } = cliRunner(env.config);

beforeAll(async () => {
  await run(["demo"]);
});
afterAll(() => env.cleanup());

describe("piping into head", () => {
  it("stops quietly when the reader of its output goes away (| head)", async () => {
    const macs = Array.from({ length: 3000 }, (_, i) => `805ec0b${(0x100000 + i).toString(16).slice(2)}`);
    const good = join(env.config.dataDir, "many.csv");
    writeFileSync(good, `mac,model,tenant,lines\n${macs.map((m) => `${m},T54W,demo.example,101`).join("\n")}\n`);
    const bad = join(env.config.dataDir, "bad.csv");
    writeFileSync(bad, `mac,model,tenant,lines\n${macs.map((m) => `${m},T54W,demo.example,999`).join("\n")}\n`);
    const imported = await run(["import", good]);
    expect(imported.code, imported.stdout.slice(0, 500)).toBe(0);
    const batch = /batch (\d+)/.exec(imported.stdout)![1]!;
    for (const [args, code] of [
      [["export", "-"], 0],
      [["import-status", batch], 0],
      [["import", bad], 1],
      [["extension", "export", "demo.example", "-"], 0],
    ] as const) {
      const r = await runIntoHead([...args]);
      expect(r.stderr, args.join(" ")).not.toMatch(/EPIPE|Error|at /);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.head.length).toBeGreaterThan(0);
    }
  });
});
