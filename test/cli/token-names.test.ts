import { describe, expect, it } from "vitest";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run } = demoCliRunner();

describe("phonehome token create", () => {
  it("names a token without --name <role>-<id>, never cli, and refuses the name cli", async () => {
    const a = await run(["token", "create", "--role", "readonly"]);
    const b = await run(["token", "create", "--role", "readonly"]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const names = (await run(["token", "list"])).stdout
      .trim()
      .split("\n")
      .map((l) => l.split("\t")[2]);
    expect(names).not.toContain("cli");
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^readonly-\d+$/)]));
    const cli = await run(["token", "create", "--role", "admin", "--name", "cli"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/--name: "cli" cannot name a token/);
  });
});
