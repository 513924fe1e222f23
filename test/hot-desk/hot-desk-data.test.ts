import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { getHotDesk, listHotDesks } from "../../src/hot-desk/desk-state.ts";
import { addHotDeskDefault, listHotDeskDefaults, removeHotDeskDefault } from "../../src/hot-desk/defaults.ts";
import { disableHotDesk, enableHotDesk, signIn, signOut } from "../../src/hot-desk/desks.ts";
import { pbxDeactivate, pbxRelease, pbxSignIn } from "../../src/hot-desk/pbx-calls.ts";
import { getHotDeskProfile, updateHotDeskProfile } from "../../src/hot-desk/person.ts";
import { DEFAULT_PIN_LIMITS } from "../../src/hot-desk/pin-guard.ts";
import { dueSignOuts } from "../../src/hot-desk/sweep.ts";
import { getRules, updateRules } from "../../src/hot-desk/rules.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { setKeys, setLines } from "../../src/services/device-layout.ts";
import { createDevice } from "../../src/services/devices.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * Hot-desking on the asynchronous handle, the same tests on SQLite and PostgreSQL: enable, sign in,
 * sign out, disable, defaults, rules and the person's profile; sign-in and sign-out all or nothing
 * (the desk row, the device's lines and keys, the queued NOTIFY and the audit row), with a clock
 * that fails midway; two sign-ins at one desk at once.
 */
const postgres = usePostgres();
const T = "desk.example";
const NOW = new Date("2026-12-01T09:00:00Z");
const DESK = "805ec0000701";
const DESK2 = "805ec0000702";

/** A clock that fails on its nth call once armed; the services read it inside their transaction. */
function armableClock() {
  let failAt = 0;
  let calls = 0;
  const clock = () => {
    if (failAt && ++calls === failAt) throw new Error("clock failed midway");
    return NOW;
  };
  return { clock, failOnCall: (n: number) => ((failAt = n), (calls = 0)), off: () => (failAt = 0) };
}

/** Every row a desk change writes, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    desks: await q.db.select().from(q.t.hotDesks).orderBy(asc(q.t.hotDesks.deviceId)),
    lines: await q.db.select().from(q.t.deviceLines).orderBy(asc(q.t.deviceLines.deviceId), asc(q.t.deviceLines.lineIndex)),
    keys: await q.db.select().from(q.t.deviceKeys).orderBy(asc(q.t.deviceKeys.deviceId), asc(q.t.deviceKeys.keyIndex)),
    outbox: await q.db.select().from(q.t.notifyOutbox).orderBy(asc(q.t.notifyOutbox.id)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
  }));

const ownFiles = (data: Data) =>
  data.read(async (q) => ({
    lines: await q.db.select().from(q.t.deviceLines).orderBy(asc(q.t.deviceLines.deviceId), asc(q.t.deviceLines.lineIndex)),
    keys: await q.db.select().from(q.t.deviceKeys).orderBy(asc(q.t.deviceKeys.deviceId), asc(q.t.deviceKeys.keyIndex)),
  }));

describe.each(dataDialects(postgres))("hot-desking on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps;
  let cleanup: () => Promise<void>;
  let peer: (() => Promise<Data>) | undefined;
  let clock: ReturnType<typeof armableClock>;

  beforeEach(async () => {
    ({ data, cleanup, peer } = await dialect.open());
    clock = armableClock();
    deps = convertedDeps(data, clock.clock);
    await createTenant(deps, TenantInput.parse({ name: T, sipDomain: T, sipServerHost: `pbx.${T}`, timeZone: "Europe/Berlin" }));
    for (const [number, name] of [["100", "Guest"], ["101", "Ana"], ["102", "Ben"], ["103", "Reception"]]) await createExtension(deps, T, { number, displayName: name } as never);
    for (const mac of [DESK, DESK2]) {
      await createDevice(deps, { mac, model: "T54W", tenant: T } as never);
      await setLines(deps, mac, [{ index: 1, extension: "100" }]);
      await setKeys(deps, mac, [{ index: 1, kind: "blf", value: "103" } as never]);
    }
    // The phones fetched from an address: each change queues a NOTIFY for them.
    await data.write(async (q) => {
      await q.db.update(q.t.devices).set({ lastIp: "192.0.2.10" });
    });
  });
  afterEach(async () => cleanup());

  it("enables a desk, signs Ana in and out, with the NOTIFYs queued and audited; disable takes it out", async () => {
    const base = await ownFiles(data);
    const enabled = await withActor("test", () => enableHotDesk(deps, DESK, {}));
    expect(enabled.desk).toMatchObject({ mac: DESK, tenant: T, key: 2, state: "free", source: "device" });
    expect(enabled.notify.notified).toEqual([DESK]);
    const free = await ownFiles(data);
    const inside = await withActor("test", () => signIn(deps, DESK, "101", "admin"));
    expect(inside.desk).toMatchObject({ state: "signed-in", extension: "101", displayName: "Ana", signedInVia: "admin" });
    expect((await getHotDesk(deps, DESK)).extension).toBe("101");
    expect((await listHotDesks(deps, T)).map((d) => [d.mac, d.state])).toEqual([[DESK, "signed-in"]]);
    expect((await getHotDeskProfile(deps, T, "101")).signedInAt).toEqual([DESK]);
    const signedInLines = await data.read((q) => q.db.select().from(q.t.deviceLines).where(eq(q.t.deviceLines.deviceId, inside.changed[0]!.id)));
    expect(signedInLines.map((l) => l.lineIndex)).toEqual([1]);
    const out = await withActor("test", () => signOut(deps, DESK, "admin"));
    expect(out.desk).toMatchObject({ state: "free", extension: null });
    expect(await ownFiles(data)).toEqual(free);
    await expect(signOut(deps, DESK, "admin")).rejects.toThrow(/is a free hot desk: nobody is signed in/);
    await withActor("test", () => disableHotDesk(deps, DESK));
    expect(await ownFiles(data)).toEqual(base);
    await expect(getHotDesk(deps, DESK)).rejects.toThrow(/not a hot desk: it was disabled/);
    const s = await snapshot(data);
    expect(s.outbox).toHaveLength(4);
    expect(s.audit.filter((a) => a.action.startsWith("hot_desk.")).map((a) => a.action)).toEqual(["hot_desk.enable", "hot_desk.sign_in", "hot_desk.sign_out", "hot_desk.disable"]);
  });

  it("keeps rules, the person's profile and a model's default", async () => {
    expect(await getRules(deps, T)).toMatchObject({ tenant: T, signOutAt: null, maxHours: null, oneDeskPerPerson: true });
    expect(await withActor("test", () => updateRules(deps, T, { maxHours: 8 }))).toMatchObject({ maxHours: 8, oneDeskPerPerson: true });
    expect(await withActor("test", () => updateHotDeskProfile(deps, T, "101", { pin: "1234" }))).toMatchObject({ pinSource: "hot-desk", layout: null });
    expect(await withActor("test", () => addHotDeskDefault(deps, T, "T54W"))).toMatchObject({ vendor: "yealink", model: "T54W", hotDesks: 2, optedOut: [] });
    expect((await listHotDesks(deps, T)).map((d) => d.source)).toEqual(["tenant-default", "tenant-default"]);
    const inside = await withActor("test", () => signIn(deps, DESK2, "101", "admin"));
    expect(inside.desk).toMatchObject({ source: "tenant-default", state: "signed-in", signOutDueAt: "2026-12-01T17:00:00.000Z" });
    const { removed, changes } = await withActor("test", () => removeHotDeskDefault(deps, T, "T54W", "yealink"));
    expect(removed.hotDesks).toBe(2);
    expect(changes.flatMap((c) => c.changed.map((d) => d.mac))).toEqual([DESK2]);
    expect((await listHotDeskDefaults(deps, T)).defaults).toEqual([]);
    expect(await listHotDesks(deps, T)).toEqual([]);
  });

  it("the PBX's calls: a wrong PIN counted, the right one signs in, *46 and 9999 sign out; the sweep's due list", async () => {
    await withActor("test", () => enableHotDesk(deps, DESK, {}));
    await withActor("test", () => updateHotDeskProfile(deps, T, "101", { pin: "1234" }));
    const allowed = () => undefined;
    const wrong = await withActor("pbx", () => pbxSignIn(deps, { mac: DESK, extension: "101", pin: "0000" }, DEFAULT_PIN_LIMITS, allowed));
    expect(wrong).toMatchObject({ ok: false, error: { status: 403, code: "wrong_pin" } });
    const failures = await data.read((q) => q.db.select().from(q.t.hotDeskPinFailures));
    expect(failures).toHaveLength(1);
    const right = await withActor("pbx", () => pbxSignIn(deps, { mac: DESK, extension: "101", pin: "1234" }, DEFAULT_PIN_LIMITS, allowed));
    expect(right).toMatchObject({ ok: true, change: { desk: { extension: "101", signedInVia: "pbx: 9902 (hot-desk PIN)" } } });
    expect(await data.read((q) => q.db.select().from(q.t.hotDeskPinFailures))).toEqual([]);
    expect((await withActor("pbx", () => pbxRelease(deps, { mac: DESK }, allowed))).desk).toMatchObject({ state: "free" });
    await withActor("pbx", () => pbxSignIn(deps, { mac: DESK, extension: "101", pin: "1234" }, DEFAULT_PIN_LIMITS, allowed));
    expect((await withActor("pbx", () => pbxDeactivate(deps, { mac: DESK }, allowed))).moved).toEqual([DESK]);
    await expect(pbxDeactivate(deps, { mac: DESK }, allowed)).rejects.toThrow(/nobody is signed in/);
    // The sweep's list: due an hour after the sign-in, not before.
    await withActor("test", () => signIn(deps, DESK, "101", "admin"));
    await withActor("test", () => updateRules(deps, T, { maxHours: 1 }));
    const desk = await data.read(async (q) => (await q.db.select().from(q.t.hotDesks))[0]!);
    expect(await dueSignOuts(deps, NOW.getTime() + 3_599_000)).toEqual([]);
    expect(await dueSignOuts(deps, NOW.getTime() + 3_600_000)).toEqual([{ deviceId: desk.deviceId, reason: "automatic: after 1 h" }]);
  });

  it("a sign-in failing midway leaves the desk, lines, keys, outbox and audit as they were", async () => {
    await withActor("test", () => enableHotDesk(deps, DESK, {}));
    const before = await snapshot(data);
    // 1: the sign-in's time, 2: its audit row (after the profile is written), 3: the NOTIFY's row.
    for (const n of [2, 3]) {
      clock.failOnCall(n);
      await expect(withActor("test", () => signIn(deps, DESK, "101", "admin"))).rejects.toThrow(/clock failed midway/);
      clock.off();
      expect(await snapshot(data)).toEqual(before);
    }
  });

  it("a sign-out failing midway leaves Ana signed in, her profile, the outbox and audit as they were", async () => {
    await withActor("test", () => enableHotDesk(deps, DESK, {}));
    await withActor("test", () => signIn(deps, DESK, "101", "admin"));
    const before = await snapshot(data);
    // 1: the sign-out's audit row (after the base profile is written back), 2: the NOTIFY's row.
    for (const n of [1, 2]) {
      clock.failOnCall(n);
      await expect(withActor("test", () => signOut(deps, DESK, "admin"))).rejects.toThrow(/clock failed midway/);
      clock.off();
      expect(await snapshot(data)).toEqual(before);
    }
    expect((await getHotDesk(deps, DESK)).extension).toBe("101");
  });

  it("two sign-ins at one desk at once: one person sits there, and sign-out brings the desk's own profile back", async () => {
    await withActor("test", () => enableHotDesk(deps, DESK, {}));
    const free = await ownFiles(data);
    const other = peer ? await peer() : data;
    try {
      const otherDeps = other === data ? deps : { ...convertedDeps(other, () => NOW), secrets: deps.secrets };
      const results = await Promise.allSettled([withActor("a", () => signIn(deps, DESK, "101", "admin")), withActor("b", () => signIn(otherDeps, DESK, "102", "admin"))]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
      const desk = await getHotDesk(deps, DESK);
      expect(["101", "102"]).toContain(desk.extension);
      // The sign-in that committed last is the one sitting there; it took over from the first.
      const signIns = (await snapshot(data)).audit.filter((a) => a.action === "hot_desk.sign_in");
      expect(signIns).toHaveLength(2);
      expect(signIns[1]!.extension).toBe(desk.extension);
      expect(signIns[1]!.after).toMatchObject({ extension: desk.extension });
      // ... and kept the base profile the first stored, not the first person's lines: sign-out restores the desk's own.
      await withActor("test", () => signOut(deps, DESK, "admin"));
      expect(await ownFiles(data)).toEqual(free);
    } finally {
      if (other !== data) await other.close();
    }
  });

  it("one person signing in at two desks at once sits at exactly one (one desk per person)", async () => {
    await withActor("test", () => enableHotDesk(deps, DESK, {}));
    await withActor("test", () => enableHotDesk(deps, DESK2, {}));
    const other = peer ? await peer() : data;
    try {
      const otherDeps = other === data ? deps : { ...convertedDeps(other, () => NOW), secrets: deps.secrets };
      await Promise.all([withActor("a", () => signIn(deps, DESK, "101", "admin")), withActor("b", () => signIn(otherDeps, DESK2, "101", "admin"))]);
      expect((await getHotDeskProfile(deps, T, "101")).signedInAt).toHaveLength(1);
      const states = (await listHotDesks(deps, T)).map((d) => d.state).sort();
      expect(states).toEqual(["free", "signed-in"]);
    } finally {
      if (other !== data) await other.close();
    }
  });
});
