import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { auditLog, portalSessions } from "../../src/db/schema.ts";
import { createSystemUser, findAccount, setPassword } from "../../src/portal/accounts.ts";
import { hashPassword } from "../../src/portal/passwords.ts";
import { signInVerdict } from "../../src/portal/sessions.ts";
import { startServer, type RunningServer } from "../../src/server.ts";
import { putProfile, readSettings } from "../../src/services/extension-settings/sections.ts";
import { createToken } from "../../src/services/tokens.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let smtp: TestSmtp;
let b: TestBrowser;
let token = "";
let restarted: RunningServer | null = null;

beforeAll(async () => {
  smtp = await startSmtp();
  const hash = await hashPassword(PASSWORD);
  srv = await startPortal(
    { smtpHost: "127.0.0.1", smtpPort: smtp.port, portalLoginSlowAfter: 2, portalLoginMaxPerAccount: 4, portalLoginMaxDelayMs: 50 },
    async (rt) => {
      await createSystemUser(rt, { username: "ana", role: "technician", email: "ana@example.com", twoStep: true }, hash);
      await createSystemUser(rt, { username: "locked", role: "readonly" }, hash);
      token = (await createToken(rt, "admin", "api")).token;
      // 102 signs in with two steps, but its personal contact is a phone number.
      const p = (await readSettings(rt, TENANT, "102")).settings.profile;
      await putProfile(rt, TENANT, "102", { ...p, authentication: "two_step", personalContact: "+351210000102" });
    },
  );
  await srv.withRuntime(async (rt) => setPassword(rt, (await findAccount(rt, `102@${TENANT}`))!, hash));
  b = await startBrowser();
}, 60_000);

afterAll(async () => {
  await b?.close();
  await restarted?.close();
  await srv?.close();
  await smtp?.close();
});

const audit = (action: string) => srv.withRuntime((rt) => rt.db.select().from(auditLog).where(eq(auditLog.action, action)).all());

describe("signing in to the portal", () => {
  test("a wrong password is refused and audited; the right one signs in with an HttpOnly, SameSite cookie; sign-out ends the session", async () => {
    const { page, context } = await b.newPage();
    await signIn(page, srv.base, "admin", "not the password");
    expect(await textOf(page, "[role=alert]")).toContain("The username or password is wrong");
    expect(await page.getByLabel(/^Username/).inputValue()).toBe("admin");
    expect(audit("portal.sign_in").some((a) => a.outcome === "failed" && a.target === "login:admin" && /wrong password/.test(a.detail ?? ""))).toBe(true);

    await signIn(page, srv.base, "admin", PASSWORD);
    expect(await page.locator("h1").textContent()).toBe("Overview");
    const cookie = (await context.cookies()).find((c) => c.name === "ph_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");
    expect(cookie.secure).toBe(false); // plain HTTP here; Secure is set over HTTPS
    expect(audit("portal.sign_in").some((a) => a.outcome === "ok" && a.actor === "user:admin")).toBe(true);
    // The database holds the cookie's hash only.
    const ids = srv.withRuntime((rt) => rt.db.select({ id: portalSessions.id }).from(portalSessions).all().map((r) => r.id));
    expect(ids).not.toContain(cookie.value);

    await clickAndWait(page, "Sign out");
    await page.waitForURL(/\/login$/);
    await page.goto(`${srv.base}/extensions`);
    expect(page.url()).toMatch(/\/login\?next=%2Fextensions$/);
    expect(audit("portal.sign_out").length).toBe(1);
  });

  test("two-step sign-in: the code arrives at the loopback SMTP server and completes the sign-in; a wrong code does not", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "ana", PASSWORD);
    expect(await textOf(page, "h1")).toBe("Enter the sign-in code");
    expect(await textOf(page, "main")).toContain("a***@example.com");
    const mail = await smtp.next("ana@example.com");
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    // Not signed in yet: a page asks for the sign-in again.
    await page.goto(`${srv.base}/devices`);
    expect(page.url()).toContain("/login");
    await page.getByLabel(/^Code/).fill(code === "000000" ? "111111" : "000000");
    await clickAndWait(page, "Continue");
    expect(await textOf(page, "main")).toContain("The code is wrong or has expired.");
    await page.getByLabel(/^Code/).fill(code);
    await clickAndWait(page, "Continue");
    // Signed in, and taken on to the page asked for before.
    expect(new URL(page.url()).pathname).toBe("/devices");
    await page.goto(`${srv.base}/`);
    expect(await textOf(page, "h1")).toBe("Overview");
    expect(audit("portal.sign_in").some((a) => a.actor === "user:ana" && a.outcome === "ok" && /two-step/.test(a.detail ?? ""))).toBe(true);
  });

  test("a personal contact that is a phone number is not skipped: the page says an SMS gateway is needed", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, `102@${TENANT}`, PASSWORD);
    expect(await textOf(page, "[role=alert]")).toContain("needs an SMS gateway");
    await page.goto(`${srv.base}/me`);
    expect(page.url()).toContain("/login");
  });

  test("failed sign-ins are slowed, then refused per account even with the right password", async () => {
    const s = { loginSlowAfter: 2, loginMaxPerAccount: 4, loginMaxPerAddress: 30, loginWindowMinutes: 15, loginMaxDelayMs: 50 } as never;
    const { page } = await b.newPage();
    for (let i = 0; i < 4; i++) await signIn(page, srv.base, "locked", `wrong ${i}`);
    const verdict = await srv.withRuntime((rt) => signInVerdict(rt, Date.now(), "127.0.0.1", "locked", s));
    expect(verdict.refused).toMatch(/too many failed sign-ins for this account/);
    // Slowed before being refused: three failures give a delay.
    const slowed = await srv.withRuntime((rt) => signInVerdict(rt, Date.now(), "192.0.2.1", "someone-else", s));
    expect(slowed.delayMs).toBe(0);
    await signIn(page, srv.base, "locked", PASSWORD);
    expect(await textOf(page, "[role=alert]")).toContain("Sign-in refused: too many failed sign-ins for this account");
    expect(audit("portal.sign_in").some((a) => a.target === "login:locked" && a.outcome === "refused")).toBe(true);
  });

  test("forgot password: a one-time link by email sets a new password and works once", async () => {
    const { page } = await b.newPage();
    await page.goto(`${srv.base}/forgot`);
    await page.getByLabel(/^Username/).fill("ana");
    await clickAndWait(page, "Send the link");
    expect(await textOf(page, "h1")).toBe("Check your email");
    const mail = await smtp.next("ana@example.com");
    const link = /(http:\/\/\S+\/reset\/\S+)/.exec(mail.text)![1]!;
    expect(link.startsWith(srv.base)).toBe(true);
    await page.goto(link);
    await page.getByLabel(/^New password/).fill("short");
    await page.getByLabel(/^The same password/).fill("short");
    await clickAndWait(page, "Save the password");
    expect(await textOf(page, ".field-error")).toBe("must be at least 10 characters");
    await page.getByLabel(/^New password/).fill("a brand new password");
    await page.getByLabel(/^The same password/).fill("a brand new password");
    await clickAndWait(page, "Save the password");
    expect(await textOf(page, "h1")).toBe("Password saved");
    await page.goto(link);
    expect(await textOf(page, "h1")).toBe("This link no longer works");
    expect(audit("portal.password_reset").length).toBeGreaterThan(0);
  });

  test("CSRF: a change without the form's token is refused; sessions expire when idle and at their absolute end; they survive a restart", async () => {
    const { page, context } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    const refused = await page.request.post(`${srv.base}/logout`, { form: { _csrf: "forged" } });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain("CSRF");
    const noToken = await page.request.post(`${srv.base}/logout`, { form: {} });
    expect(noToken.status()).toBe(403);
    await page.goto(`${srv.base}/`);
    expect(await page.locator("h1").textContent()).toBe("Overview"); // still signed in

    // Restart: a new server on the same data directory keeps the session (cookies ignore the port).
    await srv.server.close();
    restarted = await startServer(srv.config, pino({ level: "silent" }));
    const base2 = `http://127.0.0.1:${restarted.apiPort}`;
    await page.goto(`${base2}/`);
    expect(await page.locator("h1").textContent()).toBe("Overview");

    const id = srv.withRuntime((rt) => rt.db.select().from(portalSessions).all().find((s) => s.kind === "system" && s.revokedAt === null && s.stage === "full")!.id);
    const setSession = (patch: Partial<typeof portalSessions.$inferInsert>) =>
      srv.withRuntime((rt) => rt.db.update(portalSessions).set(patch).where(eq(portalSessions.id, id)).run());
    setSession({ lastSeenAt: Date.now() - 31 * 60_000 });
    await page.goto(`${base2}/devices`);
    expect(page.url()).toContain("/login");

    await signIn(page, base2, "admin", PASSWORD);
    const id2 = srv.withRuntime((rt) => rt.db.select().from(portalSessions).all().filter((s) => s.kind === "system" && s.revokedAt === null && s.stage === "full").at(-1)!.id);
    srv.withRuntime((rt) => rt.db.update(portalSessions).set({ expiresAt: Date.now() - 1 }).where(eq(portalSessions.id, id2)).run());
    await page.goto(`${base2}/devices`);
    expect(page.url()).toContain("/login");
    await context.close();
  });

  test("the bearer-token API keeps working beside the portal", async () => {
    const base = restarted ? `http://127.0.0.1:${restarted.apiPort}` : srv.base;
    const ok = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect((await ok.json()).tenants.map((t: { name: string }) => t.name)).toContain(TENANT);
    const no = await fetch(`${base}/api/v1/tenants`);
    expect(no.status).toBe(401);
    expect((await no.json()).error.code).toBe("unauthorized");
  });
});
