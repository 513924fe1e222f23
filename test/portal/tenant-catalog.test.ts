import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { getGroup } from "../../src/services/groups.ts";
import { getLayout, setDeviceLayout } from "../../src/services/key-layouts.ts";
import { getNumberingPlan } from "../../src/services/numbering.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { tableCounts } from "../helpers/test-deps.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;
const T = `/tenants/${TENANT}`;

beforeAll(async () => {
  srv = await startPortal();
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const counts = () => srv.withRuntime((rt) => tableCounts(rt));
const plan = () => srv.withRuntime((rt) => getNumberingPlan(rt, TENANT));
const noSideScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

/** Posts a form by hand with the page's own CSRF token (what a crafted request could do). */
async function postAs(page: Page, path: string, body: Record<string, string>): Promise<number> {
  const csrf = await page.locator("input[name=_csrf]").first().inputValue();
  return page.evaluate(
    async ([p, x]) => (await fetch(p, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(x).toString() })).status,
    [path, { _csrf: csrf, ...body }] as const,
  );
}

async function admin(width = 1200): Promise<Page> {
  const { page } = await b.newPage();
  await page.setViewportSize({ width, height: 900 });
  await signIn(page, srv.base, "admin", PASSWORD);
  return page;
}

describe("numbering plan", () => {
  test("an admin edits a range and adds one; a range ending below its start is shown on its field and changes nothing; reset goes back to the default", async () => {
    const page = await admin(390);
    await page.goto(`${srv.base}${T}`);
    await clickAndWait(page, "Numbering plan", "link");
    expect(await textOf(page, "h1")).toBe(`Numbering plan of ${TENANT}`);
    expect(await noSideScroll(page)).toBe(true);
    const stored = await plan();
    expect(stored.custom).toBe(false);
    const n = stored.recommended.length;

    // A new recommended range whose end is below its start.
    await page.getByLabel(`Recommended ranges, row ${n + 1}: from`).fill("5000");
    await page.getByLabel(`Recommended ranges, row ${n + 1}: to`).fill("4000");
    await page.getByLabel(`Recommended ranges, row ${n + 1}: purpose`).fill("Call centre");
    const before = counts();
    await clickAndWait(page, "Save the numbering plan");
    expect(await textOf(page, `#f-recommended-${n}-to-err`)).toBe("must not be below from");
    expect(await page.getByLabel(`Recommended ranges, row ${n + 1}: to`).getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel(`Recommended ranges, row ${n + 1}: from`).inputValue()).toBe("5000"); // kept to be corrected
    expect(counts()).toEqual(before);
    expect(await plan()).toEqual(stored);

    await page.getByLabel(`Recommended ranges, row ${n + 1}: to`).fill("5999");
    await page.getByLabel("Recommended ranges, row 1: purpose").fill("Renamed first range");
    await clickAndWait(page, "Save the numbering plan");
    expect(await textOf(page, "[role=status]")).toContain(`${n + 1} recommended range(s)`);
    const saved = await plan();
    expect(saved.custom).toBe(true);
    expect(saved.restricted).toEqual(stored.restricted);
    expect(saved.recommended).toEqual([{ ...stored.recommended[0]!, purpose: "Renamed first range" }, ...stored.recommended.slice(1), { from: 5000, to: 5999, purpose: "Call centre" }]);

    page.once("dialog", (d) => void d.accept());
    await clickAndWait(page, "Reset to the default plan");
    expect(await plan()).toEqual(stored);
  }, 90_000);
});

describe("key layouts", () => {
  test("an admin creates a layout and edits its keys against the capacity of the phones using it; a refused key is shown on its key with nothing changed", async () => {
    const page = await admin(390);
    await page.goto(`${srv.base}${T}`);
    await clickAndWait(page, "Key layouts", "link");
    await page.getByLabel(/^Name/).fill("bad/name");
    const before = counts();
    await clickAndWait(page, "Create the layout");
    expect(await textOf(page, "#f-name-err")).toBe("must not contain control characters or /");
    expect(counts()).toEqual(before);
    await page.getByLabel(/^Name/).fill("Reception");
    await clickAndWait(page, "Create the layout");
    expect(await textOf(page, "h1")).toBe("Key layout Reception");
    // A phone uses it: the page shows that model's capacity.
    await srv.withRuntime(async (rt) => await setDeviceLayout(rt, "805ec0000101", "Reception"));
    await page.reload();
    expect(await textOf(page, "main")).toMatch(/T54W \d+ keys \(1 phone\(s\)\)/);
    expect(await noSideScroll(page)).toBe(true);

    await page.getByLabel("Key 1 kind").selectOption("line");
    await page.getByLabel("Key 2 kind").selectOption("blf");
    await page.getByLabel("Key 2 value").fill("");
    await page.getByLabel("Key 2 label").fill("Bob");
    const unchanged = counts();
    await clickAndWait(page, "Save the layout");
    expect(await textOf(page, "#keys .field-error")).toBe("a blf key needs the extension number it watches");
    expect(await page.locator(".key", { hasText: "Key 2" }).first().locator(".field-error").count()).toBe(1);
    expect(await page.getByLabel("Key 2 label").inputValue()).toBe("Bob");
    expect(counts()).toEqual(unchanged);
    expect((await srv.withRuntime(async (rt) => await getLayout(rt, TENANT, "Reception"))).keys).toEqual([]);

    await page.getByLabel("Key 2 value").fill("102");
    await page.getByLabel("Key 3 kind").selectOption("speed_dial");
    await page.getByLabel("Key 3 value").fill("*97");
    await clickAndWait(page, "Save the layout");
    expect(await textOf(page, "[role=status]")).toContain("Layout saved: 3 key(s).");
    expect((await srv.withRuntime(async (rt) => await getLayout(rt, TENANT, "Reception"))).keys).toEqual([
      { index: 1, kind: "line", label: null, line: 1, value: null },
      { index: 2, kind: "blf", label: "Bob", line: 1, value: "102" },
      { index: 3, kind: "speed_dial", label: null, line: 1, value: "*97" },
    ]);
  }, 90_000);
});

describe("groups", () => {
  test("an admin creates a group, changes its members (an unknown extension is shown on the field, nothing changed) and sees the keys that watch it", async () => {
    const page = await admin(390);
    await page.goto(`${srv.base}${T}`);
    await clickAndWait(page, "Groups", "link");
    await page.getByLabel(/^Name/).fill("Sales");
    await page.locator("#f-members").fill("101\n102");
    await clickAndWait(page, "Create the group");
    expect(await textOf(page, "h1")).toBe("Group Sales");
    expect(await srv.withRuntime(async (rt) => await getGroup(rt, TENANT, "Sales"))).toEqual({ name: "Sales", members: ["101", "102"] });

    await page.locator("#f-members").fill("101, 103, 188");
    const before = counts();
    await clickAndWait(page, "Save the members");
    expect(await textOf(page, "#f-members-err")).toBe(`extension 188 does not exist in tenant ${TENANT}`);
    expect(await page.locator("#f-members").inputValue()).toBe("101, 103, 188");
    expect(counts()).toEqual(before);
    expect((await srv.withRuntime(async (rt) => await getGroup(rt, TENANT, "Sales"))).members).toEqual(["101", "102"]);

    await page.locator("#f-members").fill("101, 103");
    await clickAndWait(page, "Save the members");
    expect(await textOf(page, "[role=status]")).toBe("Members saved: 101, 103.");
    expect(await noSideScroll(page)).toBe(true);

    // A layout key watching the group is listed on the group's page.
    await page.goto(`${srv.base}${T}/key-layouts`);
    await page.getByLabel(/^Name/).fill("Sales panel");
    await clickAndWait(page, "Create the layout");
    await page.getByLabel("Key 4 kind").selectOption("blf_group");
    await page.getByLabel("Key 4 value").fill("Sales");
    await clickAndWait(page, "Save the layout");
    await page.goto(`${srv.base}${T}/groups/Sales`);
    expect(await textOf(page, "#group-keys tbody")).toContain("key layout Sales panel\t4");

    await page.getByLabel(/^Name/).fill("Sales team");
    await clickAndWait(page, "Rename the group");
    expect(await textOf(page, "h1")).toBe("Group Sales team");
  }, 90_000);
});

describe("who may change them", () => {
  test("readonly sees the pages with no button and is refused (403) with nothing changed; a technician edits layouts but not groups or the plan", async () => {
    const { page, context } = await b.newPage();
    await signIn(page, srv.base, "readonly", PASSWORD);
    const before = counts();
    for (const p of ["numbering-plan", "key-layouts", "key-layouts/Reception", "groups", "groups/Sales%20team"]) {
      expect((await page.goto(`${srv.base}${T}/${p}`))!.status()).toBe(200);
      expect(await page.locator("main button").count()).toBe(0);
    }
    expect(await postAs(page, `${T}/numbering-plan`, { "restricted.0.from": "1", "restricted.0.to": "2", "restricted.0.purpose": "x" })).toBe(403);
    expect(await postAs(page, `${T}/key-layouts`, { name: "Mine" })).toBe(403);
    expect(await postAs(page, `${T}/key-layouts/Reception`, { "key.1.kind": "" })).toBe(403);
    expect(await postAs(page, `${T}/groups/Sales%20team/members`, { members: "" })).toBe(403);
    expect(await postAs(page, `${T}/groups/Sales%20team/delete`, {})).toBe(403);
    expect(counts()).toEqual(before);
    await context.close();

    const tech = await b.newPage();
    await signIn(tech.page, srv.base, "technician", PASSWORD);
    await tech.page.goto(`${srv.base}${T}/groups/Sales%20team`);
    expect(await tech.page.locator("main button").count()).toBe(0);
    const signedIn = counts(); // the sign-in wrote its session and audit rows
    expect(await postAs(tech.page, `${T}/groups/Sales%20team/members`, { members: "" })).toBe(403);
    expect(await postAs(tech.page, `${T}/numbering-plan`, {})).toBe(403);
    expect(counts()).toEqual(signedIn);
    await tech.page.goto(`${srv.base}${T}/key-layouts/Reception`);
    await tech.page.getByLabel("Key 5 kind").selectOption("park");
    await clickAndWait(tech.page, "Save the layout");
    expect(await textOf(tech.page, "[role=status]")).toContain("Layout saved: 4 key(s).");

    const ext = await b.newPage();
    await signIn(ext.page, srv.base, `101@${TENANT}`, PASSWORD);
    expect((await ext.page.goto(`${srv.base}${T}/key-layouts`))!.status()).toBe(403);
  }, 90_000);
});
