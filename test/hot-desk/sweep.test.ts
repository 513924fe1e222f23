import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PIN_LIMITS } from "../../src/hot-desk/pin-guard.ts";
import { getHotDesk } from "../../src/hot-desk/desk-state.ts";
import { enableHotDesk, signIn } from "../../src/hot-desk/desks.ts";
import { updateRules } from "../../src/hot-desk/rules.ts";
import { dueSignOuts, sweepHotDesks } from "../../src/hot-desk/sweep.ts";
import { nextLocalTime } from "../../src/domain/time-zone.ts";
import { DEFAULT_SIP_SETTINGS } from "../../src/registrations/sip-settings.ts";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { createDevice } from "../../src/services/devices.ts";
import { createExtension, deleteExtension } from "../../src/services/extensions.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";

/** The hoteling sweep, driven by a clock the test sets: no sleeping, no wall clock. */
let deps: TestDeps;
let now: Date;
const MAC = "805ec0000401";
const at = (iso: string) => (now = new Date(iso));
const sweep = async () => await sweepHotDesks(deps, DEFAULT_SIP_SETTINGS, DEFAULT_PIN_LIMITS);
/** The device's own rows that reach its files. */
const profile = () =>
  JSON.stringify(["device_lines", "device_keys", "device_group_keys", "device_key_layouts"].map((t) => deps.db.$client.prepare(`select * from ${t} order by rowid`).all()));

beforeEach(async () => {
  const base = createTestDeps();
  deps = { ...base, clock: () => now };
  at("2026-12-01T08:00:00Z");
  await createTenant(deps, TenantInput.parse({ name: "sweep.example", sipDomain: "sweep.example", sipServerHost: "pbx.sweep.example", timeZone: "Europe/Berlin" }));
  for (const [number, name] of [["100", "Guest"], ["101", "Ana"], ["103", "Reception"]]) await createExtension(deps, "sweep.example", { number, displayName: name } as never);
  await createDevice(deps, { mac: MAC, model: "T54W", tenant: "sweep.example" } as never);
  await setLines(deps, MAC, [{ index: 1, extension: "100" }]);
  await setKeys(deps, MAC, [{ index: 1, kind: "blf", value: "103" } as never]);
  await enableHotDesk(deps, MAC, {});
});
afterEach(() => deps.close());

describe("automatic sign-out", () => {
  it("signs everyone out when the tenant's clock passes 20:00, and restores the base profile", async () => {
    await updateRules(deps, "sweep.example", { signOutAt: "20:00" });
    const base = profile();
    at("2026-12-01T09:00:00Z");
    await signIn(deps, MAC, "101", "test");
    expect(profile()).not.toBe(base);
    // 20:00 in Berlin in December (CET, UTC+1) is 19:00 UTC.
    expect((await getHotDesk(deps, MAC)).signOutDueAt).toBe("2026-12-01T19:00:00.000Z");
    at("2026-12-01T18:59:59Z");
    expect((await sweep()).signedOut).toEqual([]);
    expect((await getHotDesk(deps, MAC)).extension).toBe("101");
    at("2026-12-01T19:00:00Z");
    expect((await sweep()).signedOut).toEqual([MAC]);
    expect(await getHotDesk(deps, MAC)).toMatchObject({ state: "free", extension: null });
    expect(profile()).toBe(base);
    const row = deps.db.$client.prepare("select actor, detail from audit_log where action = 'hot_desk.sign_out'").get();
    expect(row).toEqual({ actor: "system", detail: "automatic: 20:00 Europe/Berlin" });
    // Nothing left to do: a second pass changes nothing.
    const after = dumpDb(deps);
    expect((await sweep()).signedOut).toEqual([]);
    expect(dumpDb(deps)).toBe(after);
  });

  it("signs a person out after N hours; signing in again starts the hours anew", async () => {
    await updateRules(deps, "sweep.example", { maxHours: 8 });
    const base = profile();
    await signIn(deps, MAC, "101", "test");
    at("2026-12-01T12:00:00Z");
    await signIn(deps, MAC, "101", "test");
    at("2026-12-01T19:59:00Z");
    expect(await dueSignOuts(deps, now.getTime())).toEqual([]);
    at("2026-12-01T20:00:00Z");
    expect((await sweep()).signedOut).toEqual([MAC]);
    expect(profile()).toBe(base);
    expect(deps.db.$client.prepare("select detail from audit_log where action = 'hot_desk.sign_out'").get()).toEqual({ detail: "automatic: after 8 h" });
  });

  it("restores the base profile when the signed-in extension was deleted (detached)", async () => {
    const base = profile();
    await signIn(deps, MAC, "101", "test");
    await deleteExtension(deps, "sweep.example", "101", { detach: true });
    expect((await sweep()).signedOut).toEqual([MAC]);
    expect(profile()).toBe(base);
  });

  it("leaves desks alone without rules", async () => {
    await signIn(deps, MAC, "101", "test");
    at("2027-01-01T00:00:00Z");
    expect((await sweep()).signedOut).toEqual([]);
  });
});

describe("nextLocalTime", () => {
  it.each([
    ["Europe/Berlin", "2026-12-01T09:00:00Z", 20, 0, "2026-12-01T19:00:00.000Z"],
    ["Europe/Berlin", "2026-12-01T19:30:00Z", 20, 0, "2026-12-02T19:00:00.000Z"],
    ["Europe/Berlin", "2026-07-01T09:00:00Z", 20, 0, "2026-07-01T18:00:00.000Z"],
    ["America/New_York", "2026-12-01T09:00:00Z", 20, 0, "2026-12-02T01:00:00.000Z"],
    ["UTC", "2026-12-01T20:00:00Z", 20, 0, "2026-12-02T20:00:00.000Z"],
    // 02:30 does not exist in Berlin on 29 March 2026 (02:00 -> 03:00): the same wall time after the change.
    ["Europe/Berlin", "2026-03-28T23:00:00Z", 2, 30, "2026-03-29T01:30:00.000Z"],
  ])("in %s after %s, %i:%i is %s", (zone, after, hh, mm, expected) => {
    expect(new Date(nextLocalTime(zone, Date.parse(after), hh, mm)).toISOString()).toBe(expected);
  });
});
