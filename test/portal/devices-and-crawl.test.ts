import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createExtension } from "../../src/services/extensions.ts";
import { deviceCredentials, getDevice, listDevices } from "../../src/services/devices.ts";
import { getKeys, getLines } from "../../src/services/device-layout.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;
const MAC = "805ec0000101";

beforeAll(async () => {
  srv = await startPortal({}, async (rt) => void (await createExtension(rt, TENANT, { number: "120", displayName: "New Hire" } as never)));
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

describe("devices", () => {
  test("assigning an extension to a phone changes its file preview; the key editor saves keys and shows a refused one on its key", async () => {
    const { page } = await b.newPage();
    await signIn(page, srv.base, "admin", PASSWORD);
    await page.goto(`${srv.base}/devices`);
    expect(await page.locator("tbody tr").count()).toBe(4);
    await page.locator("#f-model").selectOption("T54W");
    await clickAndWait(page, "Filter");
    expect(await page.locator("tbody tr").count()).toBe(1);
    await clickAndWait(page, MAC, "link");
    expect(await textOf(page, "h1")).toBe(`Device ${MAC}`);

    await clickAndWait(page, `${MAC}.cfg`, "link");
    expect(await textOf(page, "#preview")).not.toContain("New Hire");
    await page.goBack();
    await page.locator("#f-line-2").selectOption("120");
    await clickAndWait(page, "Save lines");
    expect(await textOf(page, "[role=status]")).toContain("Lines saved");
    expect(await srv.withRuntime(async (rt) => await getLines(rt, MAC))).toContainEqual({ index: 2, extension: "120" });
    await clickAndWait(page, `${MAC}.cfg`, "link");
    expect(await textOf(page, "#preview")).toContain("account.2.display_name = New Hire");

    await page.goto(`${srv.base}/devices/${MAC}`);
    const keys = await page.locator(".key").count();
    expect(keys).toBeGreaterThan(20); // the T54W's keys, drawn as the phone's
    await page.getByLabel("Key 9 kind").selectOption("blf");
    await page.getByLabel("Key 9 value").fill("12x");
    await clickAndWait(page, "Save keys");
    expect(await page.locator(".key:has(#key-9-n) .field-error").innerText()).toBe("a blf key needs the extension number it watches");
    await page.getByLabel("Key 9 value").fill("120");
    await page.getByLabel("Key 9 label").fill("Hire");
    await clickAndWait(page, "Save keys");
    expect(await srv.withRuntime(async (rt) => await getKeys(rt, MAC))).toContainEqual(expect.objectContaining({ index: 9, kind: "blf", value: "120", label: "Hire" }));
    expect(await textOf(page, ".key:has(#key-9-n)")).toContain("blf 120");
  }, 90_000);
});

describe("a technician", () => {
  test("crawls every page the portal links to and never gets a secret in any answer", async () => {
    const secrets = await srv.withRuntime(async (rt) => {
      const out: string[] = [];
      for (const d of (await listDevices(rt))) {
        const c = deviceCredentials(rt, (await getDevice(rt, d.mac)));
        out.push(c.password, c.adminPassword);
      }
      for (const row of rt.db.$client.prepare("select sip_password_enc from extensions").all() as { sip_password_enc: string }[]) out.push(rt.secrets.open(row.sip_password_enc));
      return out;
    });
    expect(secrets.length).toBeGreaterThan(8);
    const { page, context } = await b.newPage();
    const bodies: { url: string; body: string }[] = [];
    page.on("response", async (res) => {
      try {
        bodies.push({ url: res.url(), body: await res.text() });
      } catch {
        /* redirects have no body */
      }
    });
    await signIn(page, srv.base, "technician", PASSWORD);
    const seen = new Set<string>();
    const queue = ["/"];
    while (queue.length && seen.size < 80) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      await page.goto(`${srv.base}${path}`);
      for (const href of await page.locator("a[href^='/']").evaluateAll((as) => as.map((a) => a.getAttribute("href")!))) {
        const clean = href.split("#")[0]!;
        if (clean && !seen.has(clean) && !clean.startsWith("/logout")) queue.push(clean);
      }
    }
    expect(seen.has("/devices")).toBe(true);
    expect(seen.has(`/tenants/${TENANT}/extensions/101`)).toBe(true);
    expect([...seen].some((p) => p.startsWith("/devices/805ec"))).toBe(true);
    // The device file view is open to a technician with every secret masked (the crawl reached it).
    expect(seen.has(`/devices/${MAC}/files/${MAC}.cfg`)).toBe(true);
    const file = await page.goto(`${srv.base}/devices/${MAC}/files/${MAC}.cfg`);
    expect(file!.status()).toBe(200);
    expect(await textOf(page, "#preview")).toContain("••••••••");
    for (const { url, body } of bodies) for (const s of secrets) expect(body.includes(s), `${url} contains a secret`).toBe(false);
    await context.close();
  }, 90_000);
});
