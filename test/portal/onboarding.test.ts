import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { devices, discoveredDevices } from "../../src/db/schema.ts";
import { deviceCredentials, getDevice } from "../../src/services/devices.ts";
import { getLines } from "../../src/services/device-layout.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { curl } from "../helpers/curl.ts";
import { tableCounts } from "../helpers/test-deps.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";
import { createSystemUser } from "../../src/portal/accounts.ts";
import { hashPassword } from "../../src/portal/passwords.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant } from "../../src/services/tenants.ts";

let srv: PortalServer;
let b: TestBrowser;
const HOSTILE_UA_TAIL = `<script>alert(1)</script> & "x"`;
const HEADER = "mac,vendor,model,tenant,lines,label,key_layout";

beforeAll(async () => {
  const hash = await hashPassword(PASSWORD);
  srv = await startPortal({ fetchLogFlushMs: 10 }, async (rt) => {
    await createTenant(rt, TenantInput.parse({ sipDomain: "other.example", sipServerHost: "pbx.other.example" }));
    await createExtension(rt, "other.example", { number: "201", displayName: "Other" } as never);
    await createSystemUser(rt, { username: "field", role: "technician", tenants: [TENANT] }, hash);
  });
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const callIn = (mac: string, extra = "") => curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${mac}${extra}`, `${srv.phoneUrl}/${mac}.cfg`]);
const counts = () => srv.withRuntime((rt) => tableCounts(rt));
async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function phone() {
  const p = await b.newPage();
  await p.page.setViewportSize({ width: 390, height: 844 });
  return p;
}
/** A CSV posted from the portal runs as an import with its own page: wait for its outcome. */
const outcome = (page: import("playwright-core").Page, selector = "#csv-result") => page.waitForSelector(selector, { timeout: 30_000 });
const noSideScroll = (page: import("playwright-core").Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("a field technician on a phone-sized screen", () => {
  test("claims a phone from the discovery inbox (a refused claim shows its error on the field), then sees it fetch live on the batch page", async () => {
    const mac = "805ec0dd0001";
    await callIn(mac, ` ${HOSTILE_UA_TAIL}`);
    await until(() => srv.withRuntime((rt) => rt.db.select().from(discoveredDevices).all().some((d) => d.mac === mac)), "the inbox entry");
    const { page } = await phone();
    await signIn(page, srv.base, "technician", PASSWORD);
    await clickAndWait(page, "Onboarding", "link");
    expect(await textOf(page, "h1")).toBe("Onboarding");
    const card = page.locator(`#inbox-${mac}`);
    // The phone's own User-Agent is shown as text, never as markup.
    expect(await card.locator("code.ua").innerText()).toContain(HOSTILE_UA_TAIL);
    expect(await card.locator("script").count()).toBe(0);
    expect(await noSideScroll(page)).toBe(true);

    const before = counts();
    await card.getByLabel(`Claim ${mac}`).check();
    await card.getByLabel("Extensions (line order)").fill("");
    await clickAndWait(page, "Claim the ticked phones");
    expect(await page.locator(`#e-lines-${mac}`).innerText()).toBe("give at least one extension");
    expect(await card.getByLabel("Extensions (line order)").getAttribute("aria-invalid")).toBe("true");
    // The hostile tail hides the model from the User-Agent parser: the claim names it.
    await card.getByLabel("Extensions (line order)").fill("199");
    await clickAndWait(page, "Claim the ticked phones");
    expect(await page.locator(`#e-model-${mac}`).innerText()).toBe("is empty");
    await card.getByLabel("Model").fill("T54W");
    await clickAndWait(page, "Claim the ticked phones");
    expect(await page.locator(`#e-lines-${mac}`).innerText()).toContain("199");
    expect(counts()).toEqual(before);

    await card.getByLabel("Extensions (line order)").fill("103");
    await card.getByLabel("Label or location").fill("Lobby");
    await clickAndWait(page, "Claim the ticked phones");
    expect(await textOf(page, "h1")).toMatch(/^Batch \d+$/);
    expect(await textOf(page, "[role=status]")).toContain("1 phone(s) claimed");
    expect(await srv.withRuntime(async (rt) => await getLines(rt, mac))).toEqual([{ index: 1, extension: "103" }]);
    expect(await textOf(page, `#d-${mac}-state`)).toBe("not called in yet");
    expect(await textOf(page, "#b-fetched")).toBe("0");
    expect(await noSideScroll(page)).toBe(true);

    // The phone fetches its configuration with its credentials: the open page follows by itself.
    const pw = await srv.withRuntime(async (rt) => deviceCredentials(rt, (await getDevice(rt, mac))).password);
    const r = await curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${mac}`, "--digest", "-u", `${mac}:${pw}`, `${srv.phoneUrl}/${mac}.cfg`]);
    expect(r.status).toBe(200);
    await page.waitForFunction(() => document.getElementById("b-fetched")?.textContent === "1", undefined, { timeout: 15_000 });
    expect(await textOf(page, `#d-${mac}-state`)).toBe("fetched its configuration");
  }, 90_000);

  test("uploads a CSV: the dry run lists every problem by row and column and writes nothing; a clean file is checked, then imported", async () => {
    const { page } = await phone();
    await signIn(page, srv.base, "technician", PASSWORD);
    await page.goto(`${srv.base}/onboarding#csv`);
    const hostileMac = `<img src=x onerror=alert(1)>&\u202egnp`;
    const bad = [HEADER, `805ec0ee0001,,T54W,${TENANT},101,Desk,`, `"${hostileMac}",,T54W,${TENANT},101,,`, `805ec0ee0003,,T54W,${TENANT},188,,`, `805ec0ee0004,,T99,${TENANT},101,,`].join("\n");
    const before = counts();
    await page.getByLabel(/^CSV file/).setInputFiles({ name: "pallet.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await clickAndWait(page, "Check the file (dry run)");
    await outcome(page);
    expect(await textOf(page, "#csv-result")).toContain("3 problem(s) in 4 row(s); nothing was written");
    const rows = await page.locator("#csv tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(rows.map((r) => [r[0], r[1]])).toEqual([["3", "mac"], ["4", "lines"], ["5", "model"]]);
    expect(rows[0]![2]).toContain(hostileMac.slice(0, 20)); // shown as text
    expect(await page.locator("#csv tbody img").count()).toBe(0);
    expect(counts()).toEqual(before);

    const good = [HEADER, `805ec0ee0001,,T54W,${TENANT},101;102,Desk 1,2:blf:103`, `805ec0ee0002,,T46U,${TENANT},104,Desk 2,`].join("\n");
    await page.getByLabel(/^CSV file/).setInputFiles({ name: "pallet.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await clickAndWait(page, "Check the file (dry run)");
    await outcome(page);
    expect(await textOf(page, "#csv-result")).toContain("2 row(s) checked, no problem. Importing would create 2");
    expect(counts()).toEqual(before);
    await clickAndWait(page, "Import this file");
    await page.waitForURL(/\/onboarding\/batches\/\d+/, { timeout: 30_000 });
    expect(await textOf(page, "h1")).toMatch(/^Batch \d+$/);
    expect(await textOf(page, "[role=status]")).toContain("pallet.csv imported: 2 created");
    expect(await page.locator("tbody tr").count()).toBe(2);
    expect(await srv.withRuntime(async (rt) => await getLines(rt, "805ec0ee0001"))).toEqual([{ index: 1, extension: "101" }, { index: 2, extension: "102" }]);
    expect(await noSideScroll(page)).toBe(true);
  }, 90_000);
});

describe("who may onboard", () => {
  test("a technician limited to a tenant has no inbox and cannot import phones of another tenant", async () => {
    const { page } = await phone();
    await signIn(page, srv.base, "field", PASSWORD);
    await page.goto(`${srv.base}/onboarding`);
    expect(await textOf(page, "#inbox")).toContain("only an admin or technician across every tenant");
    const before = counts();
    const file = [HEADER, `805ec0ff0001,,T54W,${TENANT},101,,`, "805ec0ff0002,,T54W,other.example,201,,"].join("\n");
    await page.getByLabel(/^CSV file/).setInputFiles({ name: "mixed.csv", mimeType: "text/csv", buffer: Buffer.from(file) });
    await clickAndWait(page, "Import without checking first");
    await outcome(page, "#csv tbody tr");
    const rows = await page.locator("#csv tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(rows).toEqual([["3", "tenant", "this account may not onboard phones of tenant other.example"]]);
    expect(counts()).toEqual(before);
  }, 60_000);

  test("readonly and an extension user get no onboarding page, and the server refuses their posts (403) with nothing written", async () => {
    for (const who of ["readonly", `101@${TENANT}`]) {
      const { page, context } = await b.newPage();
      await signIn(page, srv.base, who, PASSWORD);
      expect(await page.locator("nav a[href='/onboarding']").count()).toBe(0);
      expect((await page.goto(`${srv.base}/onboarding`))!.status()).toBe(403);
      await page.goto(`${srv.base}/`);
      const csrf = await page.locator("input[name=_csrf]").first().inputValue();
      const before = srv.withRuntime((rt) => rt.db.select().from(devices).all().length);
      const res = await page.evaluate(
        async (token) => (await fetch("/onboarding/claim", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${token}&claim=805ec0dd0009&tenant.805ec0dd0009=demo.example&lines.805ec0dd0009=101` })).status,
        csrf,
      );
      expect(res).toBe(403);
      expect(srv.withRuntime((rt) => rt.db.select().from(devices).all().length)).toBe(before);
      await context.close();
    }
  }, 60_000);
});
