import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { createExtension } from "../../src/services/extensions.ts";
import { putProfile, readSettings } from "../../src/services/extension-settings/sections.ts";
import { createGroup } from "../../src/services/groups.ts";
import { extensionGroupNamesIn } from "../../src/services/extension-usage.ts";
import { readPhoneNumbers } from "../../src/services/phone-numbers.ts";
import { getAvatar } from "../../src/services/avatar.ts";
import { dumpDb } from "../helpers/test-deps.ts";
import { curl } from "../helpers/curl.ts";
import { deviceCredentials, getDevice } from "../../src/services/devices.ts";
import { deviceFiles } from "../../src/provisioning/preview.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;
const EXT = `/tenants/${TENANT}/extensions`;
// The smallest valid PNG (1x1).
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082", "hex");

beforeAll(async () => {
  srv = await startPortal({ fetchLogFlushMs: 5, registrationCheckMs: 50, sipBindHost: "127.0.0.1", notifyJitterMs: 0, sipTimerFMs: 1000 }, async (rt) => {
    for (let i = 0; i < 30; i++) await createExtension(rt, TENANT, { number: String(1000 + i), displayName: `Bulk ${i}` } as never);
    await createGroup(rt, TENANT, { name: "Sales", members: [] });
  });
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

/** The whole database but the sessions' last-use times, which every page view touches. */
const dataDump = () => srv.withRuntime((rt) => dumpDb(rt).replace(/"last_seen_at":\d+/g, ""));
const settings = async (n = "101") => (await srv.withRuntime((rt) => readSettings(rt, TENANT, n))).settings;

/** Submits the form of section `id` and waits for the answer page. */
async function save(page: Page, id: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.locator(`section#${id} button[type=submit]`).first().click()]);
}
const fieldError = (page: Page, id: string) => textOf(page, `section#${id} .field-error`);

describe("extension pages as an admin", () => {
  test("list: search and paging", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await page.goto(`${srv.base}/extensions`);
    expect(await textOf(page, "main")).toContain("34 extension(s); page 1 of 2");
    await clickAndWait(page, "Next page", "link");
    expect(await page.locator("tbody tr").count()).toBe(9);
    await page.getByLabel("Search").fill("Zoë");
    await clickAndWait(page, "Search");
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(await textOf(page, "tbody tr")).toContain("101");
    await clickAndWait(page, "101", "link");
    expect(await textOf(page, "h1")).toBe("Extension 101: Zoë Ångström");
  });

  test("every guide section: a refused save shows the API's message next to its field and changes nothing; a good one is stored", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await page.goto(`${srv.base}${EXT}/101`);
    const before = dataDump();

    // Information: two-step needs a personal contact.
    await page.locator("#f-authentication").selectOption("two_step");
    await save(page, "information");
    expect(await fieldError(page, "information")).toBe("is mandatory when authentication is two_step");
    expect(await page.locator("#f-personalContact").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator("#f-authentication").inputValue()).toBe("two_step"); // the submitted value is kept
    expect(dataDump()).toBe(before);
    await page.locator("#f-personalContact").fill("zoe@example.com");
    await page.locator("#f-fullName").fill("Zoë Ångström");
    await save(page, "information");
    expect(await textOf(page, "[role=status]")).toContain("Extension information saved.");
    expect((await settings()).profile).toMatchObject({ authentication: "two_step", personalContact: "zoe@example.com", fullName: "Zoë Ångström" });

    // Picture: a file that is not the image it claims is refused; a PNG is stored and shown.
    await page.locator("#f-avatar").setInputFiles({ name: "not.png", mimeType: "image/png", buffer: Buffer.from("hello") });
    await save(page, "avatar");
    expect(await textOf(page, "section#avatar .field-error")).toContain("is not a image/png image");
    await page.locator("#f-avatar").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG });
    await save(page, "avatar");
    expect((await srv.withRuntime((rt) => getAvatar(rt, TENANT, "101"))).data.equals(PNG)).toBe(true);
    expect(await page.locator("img#avatar-img").evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

    // Number settings: country must be a two-letter code.
    await page.locator("#f-country").fill("Portugal");
    await save(page, "number-settings");
    expect(await fieldError(page, "number-settings")).toBe("must be an ISO 3166 two-letter code such as PT");
    await page.locator("#f-country").fill("PT");
    await page.locator("#f-presentation").selectOption("anonymous");
    await save(page, "number-settings");
    expect((await settings()).numberSettings).toMatchObject({ country: "PT", presentation: "anonymous" });

    // Allowed endpoints: the softphone needs a client.
    await page.locator("#f-softphone-allowed").check();
    await page.locator("#f-softphone-client").selectOption("");
    await save(page, "allowed-endpoints");
    expect(await fieldError(page, "allowed-endpoints")).toBe("is mandatory when the softphone is allowed (basic or operator_console)");
    await page.locator("#f-softphone-client").selectOption("operator_console");
    await page.locator("#f-mobileApp").check();
    await save(page, "allowed-endpoints");
    expect((await settings()).allowedEndpoints).toMatchObject({ softphone: { allowed: true, client: "operator_console" }, mobileApp: true });

    // Voicemail: notification needs an address; the PIN is kept when left empty and never shown.
    await page.locator("#f-pin").fill("4321");
    await page.locator("#f-emailNotification").check();
    await save(page, "voicemail");
    expect(await fieldError(page, "voicemail")).toBe("is mandatory when emailNotification is on");
    await page.locator("#f-pin").fill("4321");
    await page.locator("#f-email").fill("zoe@example.com");
    await save(page, "voicemail");
    expect((await settings()).voicemail).toMatchObject({ emailNotification: true, email: "zoe@example.com" });
    expect(await page.content()).not.toContain("4321");
    await page.locator("#f-welcomeMessage").fill("Hello");
    await save(page, "voicemail");
    expect(await srv.withRuntime(async (rt) => rt.secrets.open((await readSettings(rt, TENANT, "101")).settings.voicemail.pinEnc!))).toBe("4321");

    // Call waiting: 1-50.
    await page.locator("#f-maxWaitingCalls").fill("99");
    await save(page, "call-waiting");
    expect(await fieldError(page, "call-waiting")).toMatch(/50/);
    await page.locator("#f-maxWaitingCalls").fill("7");
    await save(page, "call-waiting");
    expect((await settings()).callWaiting.maxWaitingCalls).toBe(7);

    // Monitoring.
    await page.locator("#f-monitorOthers").check();
    await save(page, "monitoring");
    expect((await settings()).monitoring.monitorOthers).toBe(true);

    // Phone numbers.
    await page.locator("section#phone-numbers #f-number").fill("12");
    await save(page, "phone-numbers");
    expect(await fieldError(page, "phone-numbers")).toBe("must be 3-20 digits with an optional leading +");
    await page.locator("section#phone-numbers #f-number").fill("+351210000001");
    await save(page, "phone-numbers");
    expect(await srv.withRuntime((rt) => readPhoneNumbers(rt, TENANT, "101"))).toEqual(["+351210000001"]);

    // Groups.
    await page.locator("section#groups").getByLabel("Sales").check();
    await save(page, "groups");
    const { ext } = await srv.withRuntime((rt) => readSettings(rt, TENANT, "101"));
    expect(await srv.withRuntime((rt) => rt.data.read((q) => extensionGroupNamesIn(q, ext.id)))).toEqual(["Sales"]);

    // Forwarding: a destination is mandatory; a schedule rule with from after to is refused at its field.
    await page.locator("#f-unconditional-mode").selectOption("destination");
    await save(page, "forwarding");
    expect(await fieldError(page, "forwarding")).toBe("is mandatory when mode is destination");
    await page.locator("#f-unconditional-mode").selectOption("schedule");
    await page.locator("#f-unconditional-destination").fill("+351999");
    await page.locator("section#forwarding").getByLabel("mon").check();
    await page.locator("#f-unconditional-rules-0-from").fill("18:00");
    await page.locator("#f-unconditional-rules-0-to").fill("09:00");
    await save(page, "forwarding");
    expect(await textOf(page, "section#forwarding")).toContain("must be after from (split a range over midnight into two rules)");
    await page.locator("#f-unconditional-rules-0-from").fill("09:00");
    await page.locator("#f-unconditional-rules-0-to").fill("18:00");
    await page.locator("#f-exceptionNumbers").fill("102\n103");
    await page.locator("#f-conditional-busy-action").selectOption("forward");
    await page.locator("#f-conditional-busy-destination").fill("104");
    await save(page, "forwarding");
    expect((await settings()).forwarding).toMatchObject({
      unconditional: { mode: "schedule", destination: "+351999", rules: [{ days: ["mon"], from: "09:00", to: "18:00" }] },
      exceptionNumbers: ["102", "103"],
      conditional: { busy: { action: "forward", destination: "104" } },
    });
  }, 90_000);

  test("profile actions: duplicate; unregister asks for confirmation then shows each phone's state live; delete", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await page.goto(`${srv.base}${EXT}/103`);
    await page.locator("section#profile #f-number").fill("911");
    await clickAndWait(page, "Duplicate");
    expect(await textOf(page, "section#profile .field-error")).toContain("911 is in the restricted range");
    await page.locator("section#profile #f-number").fill("150");
    await clickAndWait(page, "Duplicate");
    expect(await textOf(page, "h1")).toBe("Extension 150: Carol \"CC\" Chen");
    expect(await textOf(page, "[role=status]")).toContain("Duplicated from 103");

    await page.goto(`${srv.base}${EXT}/104`);
    await clickAndWait(page, "Unregister…", "link");
    expect(await textOf(page, "h1")).toBe("Unregister extension 104?");
    expect(await textOf(page, "main")).toContain("805ec0000104");
    // Without the confirmation ticked the server refuses too (the browser's `required` aside).
    const refused = await page.request.post(`${srv.base}${EXT}/104/unregister`, { form: { _csrf: await page.locator("input[name=_csrf]").first().inputValue(), mode: "remove" } });
    expect(refused.status()).toBe(400);
    await page.getByLabel("Yes, unregister extension 104").check();
    await clickAndWait(page, "Unregister now");
    expect(await textOf(page, "h1")).toBe("Unregistering extension 104");
    expect(await textOf(page, "#fu-state")).toBe("pending");
    expect(await textOf(page, "#fu-805ec0000104-state")).toBe("pending");
    // The phone fetches its new file: the page updates by itself (no reload) once the tracker sees it.
    const url = page.url();
    // Every phone waited for (the ones watching 104 too) fetches its files as a phone would.
    const macs = await page.locator("tbody tr td:first-child").allInnerTexts();
    for (const mac of macs) {
      const { creds, files } = await srv.withRuntime(async (rt) => {
        const d = await getDevice(rt, mac);
        return { creds: deviceCredentials(rt, d), files: deviceFiles(rt, d).map((f) => f.name) };
      });
      for (const f of files) {
        const r = await curl(["--digest", "-u", `${creds.username}:${creds.password}`, `${srv.phoneUrl}/${f}`]);
        expect(r.status).toBe(200);
        if (mac === "805ec0000104" && f.endsWith(".cfg")) expect(r.body).not.toContain("user_name = 104");
      }
    }
    await page.waitForFunction(() => document.getElementById("fu-805ec0000104-state")?.textContent !== "pending", undefined, { timeout: 15_000 });
    expect(await textOf(page, "#fu-805ec0000104-state")).toBe("fetched");
    await page.waitForFunction(() => document.getElementById("fu-state")?.textContent === "confirmed", undefined, { timeout: 15_000 });
    expect(page.url()).toBe(url); // updated in place

    await page.goto(`${srv.base}${EXT}/150`);
    await clickAndWait(page, "Delete…", "link");
    await page.getByLabel("Yes, delete extension 150").check();
    await clickAndWait(page, "Delete");
    expect(await textOf(page, "main")).not.toContain("Carol \"CC\" Chen\n150");
    expect(srv.withRuntime((rt) => rt.db.$client.prepare("select count(*) n from extensions where number = '150'").get())).toEqual({ n: 0 });
  }, 60_000);
});

describe("other accounts", () => {
  test("readonly sees no button that changes anything, and the server refuses such a request", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "readonly", PASSWORD);
    await page.goto(`${srv.base}${EXT}/102`);
    expect(await page.locator("main button").count()).toBe(0);
    expect(await page.locator("main fieldset[disabled]").count()).toBeGreaterThan(3);
    const csrf = await page.locator("header input[name=_csrf]").inputValue();
    const before = dataDump();
    const r = await page.request.post(`${srv.base}${EXT}/102/section/monitoring`, { form: { _csrf: csrf, monitorOthers: "true", allowMonitoring: "true" } });
    expect(r.status()).toBe(403);
    expect(await r.text()).toContain("this needs the admin role");
    expect(dataDump()).toBe(before);
  });

  test("an extension's user changes their own forwarding and cannot reach another extension", async () => {
    await srv.withRuntime(async (rt) => putProfile(rt, TENANT, "101", { ...(await readSettings(rt, TENANT, "101")).settings.profile, authentication: "single_step" }));
    const { page } = await b.newPage();
    await signIn(page, srv.base, `101@${TENANT}`, PASSWORD);
    expect(new URL(page.url()).pathname).toBe("/me");
    expect(await textOf(page, "h1")).toBe("My extension 101");
    await page.locator("#f-unconditional-mode").selectOption("destination");
    await page.locator("#f-unconditional-destination").fill("not a number");
    await save(page, "forwarding");
    expect(await fieldError(page, "forwarding")).toBe("must be 1-32 of 0-9, * and # (a leading + is allowed)");
    await page.locator("#f-unconditional-destination").fill("+351912345678");
    await save(page, "forwarding");
    expect((await settings()).forwarding.unconditional).toMatchObject({ mode: "destination", destination: "+351912345678" });
    expect(await textOf(page, "main")).toContain("are forwarded to +351912345678");

    const other = await page.goto(`${srv.base}${EXT}/102`);
    expect(other!.status()).toBe(403);
    const csrf = await page.locator("header input[name=_csrf]").inputValue();
    const before = dataDump();
    for (const path of [`${EXT}/102/section/forwarding`, `${EXT}/101/section/profile`, "/me/section/information"]) {
      const r = await page.request.post(`${srv.base}${path}`, { form: { _csrf: csrf, "unconditional.mode": "none", username: "x", role: "administrator" } });
      expect(r.status()).toBe(403);
    }
    expect(dataDump()).toBe(before);
    expect((await page.goto(`${srv.base}/devices`))!.status()).toBe(403);
  });
});
