import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { auditLog, portalUsers } from "../../src/db/schema.ts";
import { recordAudit } from "../../src/services/audit.ts";
import { getTenant, updateTenant } from "../../src/services/tenants.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { tableCounts } from "../helpers/test-deps.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;
/** Filler audit entries, one a second from a day ago (inside any retention). */
const FILLER_AT = Math.floor((Date.now() - 86_400_000) / 1000) * 1000;
const isoAt = (i: number) => new Date(FILLER_AT + i * 1000).toISOString();

beforeAll(async () => {
  srv = await startPortal({}, (rt) => {
    for (let i = 0; i < 60; i++) recordAudit(rt.db, FILLER_AT + i * 1000, { actor: "cli", action: "test.filler", target: `thing:${i}` });
  });
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const counts = () => srv.withRuntime((rt) => tableCounts(rt));
const tenant = () => srv.withRuntime((rt) => getTenant(rt, TENANT));

/** Posts a form by hand with the page's own CSRF token (what a crafted request could do). */
async function postAs(page: import("playwright-core").Page, path: string, body: Record<string, string>): Promise<number> {
  const csrf = await page.locator("input[name=_csrf]").first().inputValue();
  return page.evaluate(
    async ([p, b]) => (await fetch(p, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(b).toString() })).status,
    [path, { _csrf: csrf, ...body }] as const,
  );
}

describe("tenant settings", () => {
  test("a refused value is shown on its field and changes nothing; a save changes exactly the fields changed on the page", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await clickAndWait(page, "Tenants", "link");
    await clickAndWait(page, TENANT, "link");
    expect(await textOf(page, "h1")).toBe(`Tenant ${TENANT}`);

    const before = counts();
    const stored = tenant();
    await page.getByLabel(/^Time zone/).fill("Mars/Olympus");
    await page.getByLabel(/^NTP servers/).fill("ntp1.example.net\nbad host name");
    await clickAndWait(page, "Save settings");
    expect(await textOf(page, "#f-timeZone-err")).toBe("must be an IANA time zone such as Europe/Berlin");
    expect(await textOf(page, "#f-ntpServers-err")).toContain("entry 2: must be a host name or an IP address");
    expect(await page.getByLabel(/^Time zone/).inputValue()).toBe("Mars/Olympus"); // the submitted value stays to be corrected
    expect(counts()).toEqual(before);
    expect(tenant()).toEqual(stored);

    // Meanwhile someone else changes the SIP server; the page still shows the old one.
    await srv.withRuntime((rt) => updateTenant(rt, TENANT, { sipServerHost: "pbx2.demo.example" }));
    await page.getByLabel(/^Time zone/).fill("Europe/Lisbon");
    await page.getByLabel(/^NTP servers/).fill("ntp1.example.net\nntp2.example.net");
    await page.getByLabel(/^Authentication mode/).selectOption("credentials_or_network");
    await page.getByLabel(/^Allowed networks/).fill("192.0.2.0/24");
    await page.locator("#f-configEncryption").check();
    await clickAndWait(page, "Save settings");
    expect(await textOf(page, "[role=status]")).toBe("Saved: timeZone, ntpServers, configEncryption, authMode, allowedNetworks.");
    const after = tenant();
    expect(after).toMatchObject({ timeZone: "Europe/Lisbon", ntpServers: ["ntp1.example.net", "ntp2.example.net"], authMode: "credentials_or_network", allowedNetworks: ["192.0.2.0/24"], configEncryption: true });
    expect(after.sipServerHost).toBe("pbx2.demo.example"); // not written back
    expect({ ...after, updatedAt: 0 }).toEqual({ ...stored, updatedAt: 0, sipServerHost: "pbx2.demo.example", timeZone: "Europe/Lisbon", ntpServers: ["ntp1.example.net", "ntp2.example.net"], authMode: "credentials_or_network", allowedNetworks: ["192.0.2.0/24"], configEncryption: true });

    // Saving again without a change writes nothing.
    const n = counts();
    await clickAndWait(page, "Save settings");
    expect(await textOf(page, "[role=status]")).toBe("Nothing was changed.");
    expect(counts()).toEqual(n);

    // Feature codes: one changed code is saved; a bad one is shown on its field.
    await page.getByLabel("dnd_on").fill("*7a");
    await clickAndWait(page, "Save feature codes");
    expect(await textOf(page, "#feature-codes .field-error")).toContain("must be 1-32 of 0-9, * and #");
    await page.getByLabel("dnd_on").fill("*178");
    await clickAndWait(page, "Save feature codes");
    expect(await textOf(page, "[role=status]")).toBe("Feature codes saved: dnd_on.");
  }, 90_000);

  test("readonly and a technician see the settings with no button; the server refuses a change (403)", async () => {
    for (const who of ["readonly", "technician"]) {
      const { page, context } = await b.newPage();
      await signIn(page, srv.base, who, PASSWORD);
      await page.goto(`${srv.base}/tenants/${TENANT}`);
      expect(await page.getByRole("button", { name: /^Save/ }).count()).toBe(0);
      expect(await page.getByLabel(/^Time zone/).isDisabled()).toBe(true);
      const before = tenant();
      expect(await postAs(page, `/tenants/${TENANT}/settings`, { timeZone: "Asia/Tokyo", "_was.timeZone": before.timeZone })).toBe(403);
      expect(tenant()).toEqual(before);
      await context.close();
    }
    const { page, context } = await b.newPage();
    await signIn(page, srv.base, `101@${TENANT}`, PASSWORD);
    expect((await page.goto(`${srv.base}/tenants/${TENANT}`))!.status()).toBe(403);
    await context.close();
  }, 60_000);
});

describe("accounts", () => {
  test("an admin creates a limited technician (its first password through a one-time link), changes its role, and disables it", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await clickAndWait(page, "Accounts", "link");
    const before = counts();
    await page.getByLabel(/^Username/).fill("nina kay");
    await clickAndWait(page, "Create the account");
    expect(await textOf(page, "#f-username-err")).toContain("must be 1-64 of letters, digits and . _ -");
    expect(counts()).toEqual(before);

    await page.getByLabel(/^Username/).fill("nina");
    await page.getByLabel("Role (mandatory)").selectOption("technician");
    await page.locator("#new-t-demo\\.example").check();
    await clickAndWait(page, "Create the account");
    expect(await textOf(page, "h1")).toBe("Account nina");
    const notice = await textOf(page, "main");
    expect(notice).toContain("the account has no email address");
    const link = /(http:\/\/\S+\/reset\/\S+)/.exec(notice)![1]!.replace(/^http:\/\/[^/]+/, srv.base);
    const row = srv.withRuntime((rt) => rt.db.select().from(portalUsers).where(eq(portalUsers.username, "nina")).get()!);
    expect(row).toMatchObject({ role: "technician", tenants: [TENANT], passwordHash: null });

    // Nina chooses her password through the link and signs in.
    const nina = await b.newPage();
    await nina.page.goto(link);
    await nina.page.getByLabel(/^New password/).fill("ninas own password");
    await nina.page.getByLabel(/^The same password/).fill("ninas own password");
    await clickAndWait(nina.page, "Save the password");
    await signIn(nina.page, srv.base, "nina", "ninas own password");
    expect(await textOf(nina.page, "h1")).toBe("Overview");
    expect(await nina.page.locator("nav a[href='/accounts']").count()).toBe(0);
    expect((await nina.page.goto(`${srv.base}/accounts`))!.status()).toBe(403);

    await page.goto(`${srv.base}/accounts/nina`);
    await page.getByLabel("Role (mandatory)").selectOption("readonly");
    await clickAndWait(page, "Save");
    expect(srv.withRuntime((rt) => rt.db.select().from(portalUsers).where(eq(portalUsers.username, "nina")).get()!.role)).toBe("readonly");
    await clickAndWait(page, "Reset password (send a one-time link)");
    expect(await textOf(page, "main")).toMatch(/Pass this one-time link to nina yourself/);
    page.once("dialog", (d) => void d.accept());
    await clickAndWait(page, "Disable the account");
    expect(await textOf(page, "[role=status]")).toBe("nina is disabled; its sessions have ended.");
    await nina.page.goto(`${srv.base}/extensions`);
    expect(nina.page.url()).toMatch(/\/login/);
    // Its own account cannot be disabled from its page.
    await page.goto(`${srv.base}/accounts/admin`);
    expect(await page.getByRole("button", { name: "Disable the account" }).count()).toBe(0);
    expect(await postAs(page, "/accounts/admin/disable", {})).toBe(409);
  }, 90_000);
});

describe("audit trail", () => {
  test("filters by actor, action, extension, MAC and time; pages 50 at a time; a bad filter is shown on its field; hostile names are shown as text", async () => {
    // A sign-in attempt whose name carries markup, CR/LF and a bidi override.
    const hostile = "<b>x</b>\r\n&amp;\u202eevil";
    const login = await b.newPage();
    await login.page.goto(`${srv.base}/login`);
    await postAs(login.page, "/login", { username: hostile, password: "whatever it is" });

    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await clickAndWait(page, "Audit", "link");
    await page.getByLabel(/^Action/).fill("portal.sign_in");
    await clickAndWait(page, "Filter");
    const cell = page.locator("tbody td", { hasText: "login:<b>x</b>" }).first();
    expect(await cell.innerText()).toContain("&amp;\u202eevil");
    expect(await page.locator("tbody b").count()).toBe(0);

    await page.getByLabel(/^Action/).fill("test");
    await page.getByLabel(/^Actor/).fill("cli");
    await clickAndWait(page, "Filter");
    expect(await page.locator("tbody tr").count()).toBe(50);
    expect(await page.locator("tbody tr").first().innerText()).toContain("thing:59");
    await clickAndWait(page, "Older", "link");
    expect(await page.locator("tbody tr").count()).toBe(10);
    expect(await page.locator("tbody tr").last().innerText()).toContain("thing:0");
    expect(await page.getByRole("link", { name: "Older" }).count()).toBe(0);

    await page.getByLabel(/^Since/).fill("yesterday");
    await clickAndWait(page, "Filter");
    expect(await textOf(page, "#f-since-err")).toContain("must be an ISO 8601 time");
    await page.getByLabel(/^Since/).fill(isoAt(30));
    await page.getByLabel(/^Until/).fill(isoAt(35));
    await clickAndWait(page, "Filter");
    expect(await page.locator("tbody tr").count()).toBe(6);

    await page.goto(`${srv.base}/audit?mac=805ec0000101&type=admin`);
    const macRows = await page.locator("tbody tr").count();
    expect(macRows).toBeGreaterThan(0);
    expect(macRows).toBe(srv.withRuntime((rt) => rt.db.select().from(auditLog).where(eq(auditLog.mac, "805ec0000101")).all().length));
    await page.goto(`${srv.base}/audit?extension=${TENANT}/101&type=admin`);
    expect(await page.locator("tbody tr").count()).toBeGreaterThan(0);

    // An extension user has no audit page.
    const ext = await b.newPage();
    await signIn(ext.page, srv.base, `101@${TENANT}`, PASSWORD);
    expect((await ext.page.goto(`${srv.base}/audit`))!.status()).toBe(403);
  }, 90_000);
});
