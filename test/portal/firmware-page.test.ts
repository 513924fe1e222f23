import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listPins } from "../../src/firmware/pins.ts";
import { addFirmware } from "../../src/firmware/service.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { tableCounts } from "../helpers/test-deps.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;

beforeAll(async () => {
  srv = await startPortal();
  const rt = srv.runtime();
  try {
    await addFirmware({ ...rt, firmwareDir: srv.config.firmwareDir! }, { vendor: "yealink", models: ["T54W"], version: "96.86.0.120", name: "T54W-96.86.0.120.rom" }, Readable.from([Buffer.from("not a real image")]), 1_000_000);
  } finally {
    rt.close();
  }
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const pins = () => srv.withRuntime((rt) => listPins(rt, TENANT));

describe("firmware", () => {
  test("an admin pins a catalogued version (a wrong one is shown on its field) and sees the rollout; readonly only sees", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await clickAndWait(page, "Firmware", "link");
    expect(await textOf(page, "#catalogue tbody")).toContain("96.86.0.120");
    const before = srv.withRuntime((rt) => tableCounts(rt));
    await page.getByLabel(/^Vendor/).fill("yealink");
    await page.getByLabel(/^Model/).fill("T54W");
    await page.getByLabel(/^Version/).fill("96.86.0.999");
    await clickAndWait(page, "Pin the version");
    expect(await textOf(page, "#f-version-err")).toBe("no yealink firmware 96.86.0.999 for T54W in the catalogue");
    expect(srv.withRuntime((rt) => tableCounts(rt))).toEqual(before);
    await page.getByLabel(/^Version/).fill("96.86.0.120");
    await clickAndWait(page, "Pin the version");
    expect(await textOf(page, "[role=status]")).toBe(`${TENANT}: T54W pinned to 96.86.0.120.`);
    expect(await pins()).toEqual([expect.objectContaining({ vendor: "yealink", model: "T54W", version: "96.86.0.120" })]);
    expect(await textOf(page, "#rollout tbody tr:has(a[href='/devices/805ec0000101'])")).toContain("96.86.0.120");

    const ro = await b.newPage();
    await signIn(ro.page, srv.base, "readonly", PASSWORD);
    await ro.page.goto(`${srv.base}/firmware`);
    expect(await textOf(ro.page, "#pins tbody")).toContain("96.86.0.120");
    expect(await ro.page.getByRole("button").filter({ hasNotText: "Sign out" }).count()).toBe(0);
    const csrf = await ro.page.locator("input[name=_csrf]").first().inputValue();
    const status = await ro.page.evaluate(
      async (t) => (await fetch("/firmware/pins/delete", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `_csrf=${t}&tenant=demo.example&vendor=yealink&model=T54W` })).status,
      csrf,
    );
    expect(status).toBe(403);
    expect(await pins()).toHaveLength(1);

    await clickAndWait(page, "Unpin T54W");
    expect(await pins()).toEqual([]);
  }, 90_000);
});
