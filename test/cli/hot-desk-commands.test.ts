import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { createDevice } from "../../src/services/devices.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { dumpDb, tempConfig } from "../helpers/test-deps.ts";

/** `phonehome hot-desk ...` as an operator types it, on a real data directory. */
const env = tempConfig();
const { run, withRuntime } = cliRunner(env.config);
const MAC = "805ec0000601";

beforeAll(async () => {
  await withRuntime(async (rt) => {
    await createTenant(rt, TenantInput.parse({ name: "cli.example", sipDomain: "cli.example", sipServerHost: "pbx.cli.example" }));
    for (const [number, name] of [["100", "Guest"], ["101", "Ana"]]) await createExtension(rt, "cli.example", { number, displayName: name } as never);
    await createDevice(rt, { mac: MAC, model: "T54W", tenant: "cli.example" } as never);
    await setLines(rt, MAC, [{ index: 1, extension: "100" }]);
    await setKeys(rt, MAC, [{ index: 1, kind: "speed_dial", value: "5551234" } as never]);
  });
});
afterAll(() => env.cleanup());

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe("phonehome hot-desk", () => {
  it("enables, signs in, lists, refuses an edit, signs out, audited as cli", { timeout: 180_000 }, async () => {
    const enabled = await run(["hot-desk", "enable", MAC]);
    expect(enabled.code, enabled.stderr).toBe(0);
    // The phone never fetched: no address to NOTIFY, it gets the change at its next fetch.
    expect(json(enabled)).toMatchObject({ hotDesk: { mac: MAC, key: 2, state: "free" }, notify: { notified: [], skipped: [MAC] } });

    const signedIn = await run(["hot-desk", "sign-in", MAC, "101"]);
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(json(signedIn).hotDesk).toMatchObject({ state: "signed-in", extension: "101", signedInVia: "cli" });

    const list = await run(["hot-desk", "list", "--tenant", "cli.example"]);
    expect(json(list).hotDesks).toEqual([expect.objectContaining({ mac: MAC, extension: "101", displayName: "Ana" })]);

    const before = withRuntime((rt) => dumpDb(rt));
    const edit = await run(["device", "lines", MAC, "--set", "100"]);
    expect(edit.code).toBe(2);
    expect(edit.stderr).toMatch(/extension 101 is signed in.*phonehome hot-desk sign-out 805ec0000601/);
    expect(withRuntime((rt) => dumpDb(rt))).toBe(before);

    const out = await run(["hot-desk", "sign-out", MAC]);
    expect(out.code, out.stderr).toBe(0);
    expect(json(out).hotDesk).toMatchObject({ state: "free", extension: null });
    const again = await run(["hot-desk", "sign-out", MAC]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/free hot desk: nobody is signed in/);
    const actors = withRuntime((rt) => rt.db.$client.prepare("select distinct actor from audit_log where action like 'hot_desk.%'").all());
    expect(actors).toEqual([{ actor: "cli" }]);
  });

  it("makes a model a hot desk by default, lists it, signs in at a device nobody enabled, and removes it", { timeout: 180_000 }, async () => {
    await withRuntime((rt) => createDevice(rt, { mac: "805ec0000602", model: "T57W", tenant: "cli.example" } as never));
    const added = await run(["hot-desk", "default", "add", "--tenant", "cli.example", "T57W"]);
    expect(added.code, added.stderr).toBe(0);
    expect(json(added)).toMatchObject({ tenant: "cli.example", vendor: "yealink", model: "T57W", hotDesks: 1, optedOut: [] });
    const signedIn = await run(["hot-desk", "sign-in", "805ec0000602", "101"]);
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(json(signedIn).hotDesk).toMatchObject({ mac: "805ec0000602", extension: "101", source: "tenant-default" });
    const removed = await run(["hot-desk", "default", "remove", "--tenant", "cli.example", "T57W"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed)).toMatchObject({ removed: { model: "T57W" }, signedOut: ["805ec0000602"] });
    const list = await run(["hot-desk", "default", "list", "--tenant", "cli.example"]);
    expect(json(list)).toEqual({ tenant: "cli.example", defaults: [] });
    const before = withRuntime((rt) => dumpDb(rt));
    const bad = await run(["hot-desk", "default", "add", "--tenant", "cli.example", "X1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/model: no vendor has a model "X1" \(known: yealink: /);
    expect(withRuntime((rt) => dumpDb(rt))).toBe(before);
  });

  it("shows and changes the hoteling rules and the extension's profile", { timeout: 180_000 }, async () => {
    const rules = await run(["hot-desk", "rules", "cli.example", "--sign-out-at", "20:00", "--max-hours", "9"]);
    expect(rules.code, rules.stderr).toBe(0);
    expect(json(rules)).toEqual({ tenant: "cli.example", timeZone: "UTC", signOutAt: "20:00", maxHours: 9, oneDeskPerPerson: true });
    const bad = await run(["hot-desk", "rules", "cli.example", "--sign-out-at", "8pm"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/signOutAt: must be a 24-hour time/);
    const profile = await run(["hot-desk", "profile", "cli.example", "101", "--pin", "4711"]);
    expect(profile.code, profile.stderr).toBe(0);
    expect(json(profile)).toEqual({ tenant: "cli.example", extension: "101", pinSource: "hot-desk", layout: null, signedInAt: [] });
    expect(profile.stdout).not.toContain("4711");
    const unknown = await run(["hot-desk", "enable", "805ec0999999"]);
    expect(unknown.code).toBe(3);
  });
});
