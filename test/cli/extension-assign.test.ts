import { describe, expect, it } from "vitest";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run } = demoCliRunner();

describe("phonehome extension assign", () => {
  it("refuses to put an extension on a second line of the same phone", async () => {
    const a = await run(["extension", "assign", "demo.example", "101", "805ec0000104"]);
    expect(a.code, a.stderr).toBe(0);
    const line = /on line (\d+)/.exec(a.stdout)![1];
    const again = await run(["extension", "assign", "demo.example", "101", "805ec0000104"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`already on line ${line} of 805ec0000104; nothing changed`));
    const other = await run(["extension", "assign", "demo.example", "101", "805ec0000104", "--line", "5"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`extension 101 is already on line ${line} of 805ec0000104`));
    const lines = JSON.parse((await run(["device", "lines", "805ec0000104", "--json"])).stdout).lines;
    expect(lines.filter((l: { extension: string }) => l.extension === "101")).toHaveLength(1);
  });

  it("says how many lines the phone has when --line is beyond them", async () => {
    expect((await run(["device", "create", "805ec0aa0041", "--model", "T41S", "--tenant", "demo.example"])).code).toBe(0);
    const r = await run(["extension", "assign", "demo.example", "102", "805ec0aa0041", "--line", "9"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--line: T41S has 6 line\(s\), not 9 \(805ec0aa0041\); give --line 1 to 6/);
    expect(r.stderr).not.toMatch(/no free line/);
  });
});
