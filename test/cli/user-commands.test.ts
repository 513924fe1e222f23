import { describe, expect, it } from "vitest";
import { findAccount } from "../../src/portal/accounts.ts";
import { verifyPassword } from "../../src/portal/passwords.ts";
import { demoCliRunner } from "../helpers/cli-run.ts";

const { run, withRuntime } = demoCliRunner();
/** Each test starts the CLI five or six times, a process each. */
const CLI_RUNS = 180_000;

describe("phonehome user", () => {
  it("creates a system account with a generated password, lists it, sets an extension user's password, disables the account", async () => {
    const created = await run(["user", "create", "--username", "ana", "--role", "technician", "--tenant", "demo.example", "--email", "ana@example.com", "--two-step"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^account ana created \(technician, tenants demo\.example\)\npassword: \S{20}\n$/);
    const password = /password: (\S+)/.exec(created.stdout)![1]!;
    const ana = await withRuntime((rt) => findAccount(rt, "ana"));
    expect(await verifyPassword(ana!.passwordHash!, password)).toBe(true);
    expect((await run(["user", "list"])).stdout).toBe("ana\ttechnician\tdemo.example\tactive\ttwo-step\n");

    const ext = await run(["user", "password", "101@demo.example"]);
    expect(ext.code).toBe(0);
    expect(ext.stdout).toMatch(/^password of 101@demo\.example set; its sessions were signed out\npassword: \S{20}\n$/);
    const user = await withRuntime((rt) => findAccount(rt, "101@demo.example"));
    expect(await verifyPassword(user!.passwordHash!, /password: (\S+)/.exec(ext.stdout)![1]!)).toBe(true);

    expect(await run(["user", "disable", "ana"])).toMatchObject({ code: 0, stdout: "account ana disabled\n" });
    expect((await run(["user", "list"])).stdout).toBe("ana\ttechnician\tdemo.example\tdisabled\ttwo-step\n");
  }, CLI_RUNS);

  it("refuses a taken name and an unknown account, changing nothing", async () => {
    expect((await run(["user", "create", "--username", "bob", "--role", "readonly"])).code).toBe(0);
    const before = (await run(["user", "list"])).stdout;
    const taken = await run(["user", "create", "--username", "bob", "--role", "admin"]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/an account named bob already exists/);
    const unknown = await run(["user", "password", "nobody"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/no account nobody/);
    expect((await run(["user", "disable", "nobody"])).code).toBe(3);
    expect((await run(["user", "list"])).stdout).toBe(before);
  }, CLI_RUNS);
});
