import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { openSqliteData } from "../../src/db/data-sqlite.ts";
import { createSystemUser, disableSystemUser, findAccount, listSystemUsers, loadSubject, setPassword, updateSystemUser } from "../../src/portal/accounts.ts";
import { checkCode, clearFailures, createLink, createSession, findLink, findSession, pruneSessions, recordFailure, revokeSession, signInVerdict, useLinkIn } from "../../src/portal/sessions.ts";
import type { PortalSettings } from "../../src/portal/settings.ts";
import { withActor } from "../../src/services/actor.ts";
import type { ServiceDeps } from "../../src/services/deps.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { ExtensionInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";
import { holdWriteLock } from "../helpers/write-lock.ts";

/**
 * Portal accounts, sessions, one-time links and the sign-in limiter on the asynchronous handle: the
 * same tests on SQLite and PostgreSQL. A failure midway through a write (a clock that fails on its
 * nth call, after the first writes of the transaction) must leave the tables as they were.
 */
const postgres = usePostgres();
const TENANT = "acme.example";
const NOW = new Date("2026-12-01T10:00:00Z").getTime();
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const SETTINGS: PortalSettings = {
  idleMinutes: 30,
  absoluteHours: 12,
  loginSlowAfter: 2,
  loginMaxPerAccount: 4,
  loginMaxPerAddress: 6,
  loginWindowMinutes: 15,
  loginMaxDelayMs: 1000,
  linkHours: 24,
  codeMinutes: 10,
  portalUrl: "https://portal.example/",
};
const quiet = pino({ level: "silent" });

/** Every row of the tables the portal's writes touch, for "nothing changed" checks. */
const snapshot = (data: Data) =>
  data.read(async (q) => ({
    users: await q.db.select().from(q.t.portalUsers).orderBy(asc(q.t.portalUsers.id)),
    logins: await q.db.select().from(q.t.extensionLogins).orderBy(asc(q.t.extensionLogins.extensionId)),
    sessions: await q.db.select().from(q.t.portalSessions).orderBy(asc(q.t.portalSessions.id)),
    links: await q.db.select().from(q.t.portalLinks).orderBy(asc(q.t.portalLinks.id)),
    failures: await q.db.select().from(q.t.portalLoginFailures).orderBy(asc(q.t.portalLoginFailures.id)),
    audit: await q.db.select().from(q.t.auditLog).orderBy(asc(q.t.auditLog.id)),
  }));

/** A clock that fails on its nth call: the services read it inside their transaction, after their first writes. */
function failingClock(n: number): () => Date {
  let calls = 0;
  return () => {
    if (++calls === n) throw new Error("clock failed midway");
    return new Date(NOW);
  };
}

describe.each(dataDialects(postgres))("portal accounts and sessions on $name", (dialect) => {
  let data: Data;
  let deps: ServiceDeps & { logger: typeof quiet };
  let now = NOW;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    now = NOW;
    deps = { ...convertedDeps(data, () => new Date(now)), logger: quiet };
    await createTenant(deps, TenantInput.parse({ name: TENANT, sipDomain: "sip.acme.example", sipServerHost: "pbx.acme.example" }));
    await createExtension(deps, TENANT, ExtensionInput.parse({ number: "101", displayName: "Ana" }));
    await createExtension(deps, TENANT, ExtensionInput.parse({ number: "102", displayName: "Rui" }));
  });
  afterEach(async () => cleanup());

  const sessionRows = () => snapshot(data).then((s) => s.sessions);

  it("creates, lists, changes and disables system accounts with their audit rows; a disabled account's sessions end", async () => {
    const ana = await withActor("cli", () => createSystemUser(deps, { username: "ana", role: "technician", tenants: [TENANT, TENANT], email: " ana@example.com " }, HASH));
    expect(ana).toMatchObject({ kind: "system", username: "ana", role: "technician", tenants: [TENANT], email: "ana@example.com", twoStep: false, disabled: false, passwordHash: HASH });
    await createSystemUser(deps, { username: "bob", role: "admin" }, null);
    expect((await listSystemUsers(deps)).map((u) => [u.username, u.tenants, u.passwordHash !== null])).toEqual([
      ["ana", [TENANT], true],
      ["bob", null, false],
    ]);
    const changed = await updateSystemUser(deps, "ana", { username: "ana", role: "readonly", email: "ana@example.com", twoStep: true });
    expect(changed).toMatchObject({ role: "readonly", tenants: null, twoStep: true });
    const { cookie } = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    await disableSystemUser(deps, "ana");
    expect(await findSession(deps, cookie, SETTINGS)).toBeNull();
    expect(await loadSubject(deps, "system", ana.id)).toMatchObject({ username: "ana", disabled: true });
    const audit = (await snapshot(data)).audit.filter((a) => a.action.startsWith("portal_user."));
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ["cli", "portal_user.create", "user:ana"],
      ["system", "portal_user.create", "user:bob"],
      ["system", "portal_user.update", "user:ana"],
      ["system", "portal_user.disable", "user:ana"],
    ]);
    expect(audit[2]!.before).toEqual({ role: "technician", tenants: [TENANT], email: "ana@example.com", twoStep: false });
  });

  it("refuses a bad account, an unknown tenant and a taken name, writing nothing", async () => {
    await createSystemUser(deps, { username: "ana", role: "admin" }, null);
    const before = await snapshot(data);
    await expect(createSystemUser(deps, { username: "a b", role: "admin" }, null)).rejects.toMatchObject({ status: 400, message: /username: must be 1-64/ });
    await expect(createSystemUser(deps, { username: "x", role: "root" }, null)).rejects.toMatchObject({ status: 400, message: /role: must be one of/ });
    await expect(createSystemUser(deps, { username: "x", role: "admin", tenants: ["nope.example"] }, null)).rejects.toMatchObject({ status: 400, message: "tenants: no tenant named nope.example" });
    await expect(createSystemUser(deps, { username: "x", role: "admin", twoStep: true }, null)).rejects.toMatchObject({ status: 400, message: /mandatory for two-step/ });
    await expect(createSystemUser(deps, { username: "ana", role: "admin" }, null)).rejects.toMatchObject({ status: 409, message: "username: an account named ana already exists" });
    await expect(updateSystemUser(deps, "nobody", { username: "nobody", role: "admin" })).rejects.toMatchObject({ status: 404 });
    await expect(disableSystemUser(deps, "nobody")).rejects.toMatchObject({ status: 404 });
    expect(await snapshot(data)).toEqual(before);
  });

  it("finds an account by system name, by username@tenant name or SIP domain, and an extension without settings by its number", async () => {
    await createSystemUser(deps, { username: "ops", role: "admin" }, HASH);
    expect(await findAccount(deps, "ops")).toMatchObject({ kind: "system", username: "ops" });
    await data.write((q) => q.db.update(q.t.extensionSettings).set({ username: "ana@home" }).where(eq(q.t.extensionSettings.username, "101")));
    const ana = await findAccount(deps, `ana@home@${TENANT}`);
    expect(ana).toMatchObject({ kind: "extension", username: `ana@home@${TENANT}`, tenant: TENANT, number: "101", role: "user", twoStep: false, disabled: false, passwordHash: null });
    expect(await findAccount(deps, "ana@home@SIP.ACME.EXAMPLE")).toMatchObject({ number: "101" });
    expect(await findAccount(deps, `101@${TENANT}`)).toBeNull(); // 101 goes by its username now
    const rui = (await findAccount(deps, `102@${TENANT}`))!;
    await data.write((q) => q.db.delete(q.t.extensionSettings).where(eq(q.t.extensionSettings.extensionId, rui.id)));
    expect(await findAccount(deps, `102@${TENANT}`)).toMatchObject({ kind: "extension", id: rui.id, number: "102" });
    for (const name of ["nobody", `@${TENANT}`, "ops@", `103@${TENANT}`, "101@other.example"]) expect(await findAccount(deps, name)).toBeNull();
    expect(await loadSubject(deps, "extension", rui.id)).toMatchObject({ number: "102" });
    expect(await loadSubject(deps, "system", 999)).toBeNull();
  });

  it("sets a password (an extension user's too), ends the account's sessions and audits it", async () => {
    const rui = (await findAccount(deps, `102@${TENANT}`))!;
    const { cookie } = await createSession(deps, rui, "full", SETTINGS, "192.0.2.1");
    await setPassword(deps, rui, HASH);
    await setPassword(deps, rui, `${HASH}x`, "portal.password_change");
    expect(await findSession(deps, cookie, SETTINGS)).toBeNull();
    expect((await findAccount(deps, `102@${TENANT}`))!.passwordHash).toBe(`${HASH}x`);
    const s = await snapshot(data);
    expect(s.logins).toHaveLength(1);
    expect(s.audit.filter((a) => a.target === `extension:${TENANT}/102` && a.action !== "extension.create").map((a) => [a.action, a.extension])).toEqual([
      ["portal_user.password", "102"],
      ["portal.password_change", "102"],
    ]);
  });

  it("leaves everything as it was when an account write fails midway", async () => {
    const ana = await createSystemUser(deps, { username: "ana", role: "admin" }, null);
    const rui = (await findAccount(deps, `102@${TENANT}`))!;
    await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    await createSession(deps, rui, "full", SETTINGS, "192.0.2.1");
    const link = await createLink(deps, "reset", rui, SETTINGS);
    const linkRow = (await findLink(deps, link))!;
    const before = await snapshot(data);
    const failing = (n: number) => ({ ...deps, clock: failingClock(n) });
    await expect(createSystemUser(failing(2), { username: "bob", role: "admin" }, HASH)).rejects.toThrow("clock failed midway");
    await expect(updateSystemUser(failing(2), "ana", { username: "ana", role: "readonly" })).rejects.toThrow("clock failed midway");
    await expect(disableSystemUser(failing(2), "ana")).rejects.toThrow("clock failed midway");
    await expect(setPassword(failing(2), ana, HASH)).rejects.toThrow("clock failed midway");
    await expect(setPassword(failing(2), rui, HASH, "portal.password_reset", async (q) => void (await useLinkIn(q, linkRow.id, NOW)))).rejects.toThrow("clock failed midway");
    expect(await snapshot(data)).toEqual(before);
    expect(await findLink(deps, link)).not.toBeNull();
  });

  it("gives two creates of one name at once one account and one refusal", async () => {
    const results = await Promise.allSettled([createSystemUser(deps, { username: "ana", role: "admin" }, null), createSystemUser(deps, { username: "ana", role: "readonly" }, null)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((r) => r.status === "rejected")!.reason).toMatchObject({ status: 409 });
    const s = await snapshot(data);
    expect(s.users).toHaveLength(1);
    expect(s.audit.filter((a) => a.action === "portal_user.create")).toHaveLength(1);
  });

  it("uses a one-time link once, also when two resets send it at once", async () => {
    const rui = (await findAccount(deps, `102@${TENANT}`))!;
    const link = await createLink(deps, "welcome", rui, SETTINGS);
    const row = (await findLink(deps, link))!;
    expect(row).toMatchObject({ purpose: "welcome", kind: "extension", subjectId: rui.id, expiresAt: NOW + 24 * 3_600_000, usedAt: null });
    const reset = (hash: string) =>
      setPassword(deps, rui, hash, "portal.welcome_password", async (q) => {
        if (!(await useLinkIn(q, row.id, now))) throw new Error("link already used");
      });
    const results = await Promise.allSettled([reset(`${HASH}1`), reset(`${HASH}2`)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(await findLink(deps, link)).toBeNull();
    const s = await snapshot(data);
    expect(s.logins).toHaveLength(1);
    expect(s.audit.filter((a) => a.action === "portal.welcome_password")).toHaveLength(1);
    expect(await findLink(deps, "not-a-link")).toBeNull();
    const late = await createLink(deps, "reset", rui, SETTINGS);
    now += 24 * 3_600_000;
    expect(await findLink(deps, late)).toBeNull();
  });

  it("finds a live session and touches it; an idle, expired, revoked or unknown one is not found", async () => {
    const ana = await createSystemUser(deps, { username: "ana", role: "admin" }, null);
    const { cookie, row } = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    expect(row).toMatchObject({ kind: "system", subjectId: ana.id, stage: "full", codeHash: null, lastSeenAt: NOW, expiresAt: NOW + 12 * 3_600_000, sourceIp: "192.0.2.1" });
    expect((await sessionRows())[0]!.id).not.toBe(cookie);
    now += 29 * 60_000;
    expect(await findSession(deps, cookie, SETTINGS)).toMatchObject({ id: row.id });
    expect((await sessionRows())[0]!.lastSeenAt).toBe(now);
    now += 29 * 60_000;
    expect(await findSession(deps, cookie, SETTINGS)).not.toBeNull();
    now += 30 * 60_000;
    expect(await findSession(deps, cookie, SETTINGS)).toBeNull(); // idle

    const other = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    const neverIdle = { ...SETTINGS, idleMinutes: 100_000 };
    now += 12 * 3_600_000 - 1;
    expect(await findSession(deps, other.cookie, neverIdle)).not.toBeNull();
    now += 1;
    expect(await findSession(deps, other.cookie, neverIdle)).toBeNull(); // at its absolute end
    const third = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    await revokeSession(deps, third.row.id, now);
    expect(await findSession(deps, third.cookie, SETTINGS)).toBeNull();
    expect(await findSession(deps, "A".repeat(43), SETTINGS)).toBeNull();
    expect(await findSession(deps, "short", SETTINGS)).toBeNull();
    expect(await findSession(deps, undefined, SETTINGS)).toBeNull();
  });

  it("checks a two-step code: five wrong codes end the session, also when they arrive at once", async () => {
    const ana = await createSystemUser(deps, { username: "ana", role: "admin", email: "ana@example.com", twoStep: true }, null);
    const { cookie, row } = await createSession(deps, ana, "code", SETTINGS, "192.0.2.1", "123456");
    expect(row).toMatchObject({ stage: "code", expiresAt: NOW + 10 * 60_000 });
    expect(await checkCode(deps, row, " 123456 ")).toBe("ok");
    expect(await checkCode(deps, row, "000000")).toBe("wrong");
    expect(await checkCode(deps, row, "000001")).toBe("wrong");
    expect(await checkCode(deps, row, "000002")).toBe("wrong");
    // Three wrong codes counted; two more sent at once from the same page (the same stale row) both count.
    const last = await Promise.all([checkCode(deps, row, "000003"), checkCode(deps, row, "000004")]);
    expect(last.sort()).toEqual(["ended", "wrong"]);
    const [stored] = await sessionRows();
    expect(stored).toMatchObject({ codeAttempts: 5, revokedAt: NOW });
    expect(await findSession(deps, cookie, SETTINGS)).toBeNull();
  });

  it("slows, then refuses sign-ins per account and per address; a success clears the account's failures only", async () => {
    expect(await signInVerdict(deps, now, "192.0.2.1", "ana", SETTINGS)).toEqual({ refused: null, delayMs: 0 });
    for (let i = 0; i < 3; i++) await recordFailure(deps, now, "192.0.2.1", "Ana");
    expect(await signInVerdict(deps, now, "192.0.2.9", "ana", SETTINGS)).toEqual({ refused: null, delayMs: 500 });
    await recordFailure(deps, now, "192.0.2.1", "ana");
    expect((await signInVerdict(deps, now, "192.0.2.9", "ANA", SETTINGS)).refused).toMatch(/too many failed sign-ins for this account; try again in 15 minutes/);
    await recordFailure(deps, now, "192.0.2.1", "bob");
    await recordFailure(deps, now, "192.0.2.1", "carl");
    expect((await signInVerdict(deps, now, "192.0.2.1", "dora", SETTINGS)).refused).toMatch(/too many failed sign-ins from this address/);
    await clearFailures(deps, "ANA");
    expect(await signInVerdict(deps, now, "192.0.2.9", "ana", SETTINGS)).toEqual({ refused: null, delayMs: 0 });
    // The address keeps the failures of the other accounts.
    expect(await signInVerdict(deps, now, "192.0.2.1", "dora", SETTINGS)).toEqual({ refused: null, delayMs: 250 });
    now += 15 * 60_000 + 1;
    expect(await signInVerdict(deps, now, "192.0.2.1", "dora", SETTINGS)).toEqual({ refused: null, delayMs: 0 });
  });

  it("prunes sessions, links and failures past their time only", async () => {
    const ana = await createSystemUser(deps, { username: "ana", role: "admin" }, null);
    const old = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    await createLink(deps, "reset", ana, SETTINGS);
    await recordFailure(deps, now, "192.0.2.1", "ana");
    now += 3 * 86_400_000;
    const fresh = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
    const freshLink = await createLink(deps, "reset", ana, SETTINGS);
    await recordFailure(deps, now, "192.0.2.1", "ana");
    await pruneSessions(deps, now, SETTINGS);
    const s = await snapshot(data);
    expect(s.sessions.map((r) => r.id)).toEqual([fresh.row.id]);
    expect(s.sessions.map((r) => r.id)).not.toContain(old.row.id);
    expect(s.links).toHaveLength(1);
    expect(await findLink(deps, freshLink)).not.toBeNull();
    expect(s.failures.map((f) => f.at)).toEqual([now]);
  });
});

describe("a portal session's touch while another process holds SQLite's write lock", () => {
  it("serves the page without waiting for the lock; the touch lands once the lock is free", async () => {
    const dir = mkdtempSync(join(tmpdir(), "phonehome-portal-"));
    const file = join(dir, "phonehome.db");
    // Long enough that the touch waits for the lock rather than giving up while the test holds it.
    const data = openSqliteData(file, { lockTimeoutMs: 60_000 });
    let now = NOW;
    const deps = { ...convertedDeps(data, () => new Date(now)), logger: quiet };
    try {
      const ana = await createSystemUser(deps, { username: "ana", role: "admin" }, null);
      const { cookie } = await createSession(deps, ana, "full", SETTINGS, "192.0.2.1");
      const lastSeen = async () => (await snapshot(data)).sessions[0]!.lastSeenAt;
      const lock = await holdWriteLock(file);
      try {
        now += 60_000;
        expect(await findSession(deps, cookie, SETTINGS)).not.toBeNull();
        expect(await lastSeen()).toBe(NOW); // served; the touch still waits
        expect(await findSession(deps, cookie, SETTINGS)).not.toBeNull(); // no second touch queued behind it
      } finally {
        await lock.release();
      }
      await data.write(async () => undefined); // after the touch: writes run in order
      expect(await lastSeen()).toBe(NOW + 60_000);
    } finally {
      await data.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
