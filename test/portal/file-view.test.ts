import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { servedFiles } from "../../src/db/schema.ts";
import { deviceCredentials, getDevice } from "../../src/services/devices.ts";
import { getExtension, resetExtensionPassword, updateExtension } from "../../src/services/extensions.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { curl } from "../helpers/curl.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

let srv: PortalServer;
let b: TestBrowser;
const MAC = "805ec0000101";
const FILE = `${MAC}.cfg`;

beforeAll(async () => {
  srv = await startPortal({ fetchLogFlushMs: 10 });
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const sipPassword = () => srv.withRuntime((rt) => rt.secrets.open(getExtension(rt, TENANT, "101").sipPasswordEnc));
const kept = () => srv.withRuntime((rt) => rt.db.select().from(servedFiles).all().find((r) => r.fileName === FILE) ?? null);

describe("a device file as the phone gets it, against what it last fetched", () => {
  test("the fetch keeps a sealed copy; the admin sees the line diff in clear, a technician and readonly the same diff with every secret masked", async () => {
    const creds = await srv.withRuntime(async (rt) => deviceCredentials(rt, (await getDevice(rt, MAC))));
    const oldSip = sipPassword();
    const r = await curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${MAC}`, "--digest", "-u", `${MAC}:${creds.password}`, `${srv.phoneUrl}/${FILE}`]);
    expect(r.status).toBe(200);
    expect(r.body).toContain(oldSip);
    for (let i = 0; i < 100 && !kept(); i++) await new Promise((res) => setTimeout(res, 50));
    const row = kept()!;
    expect(row.bodyEnc.startsWith("v1.")).toBe(true);
    expect(row.bodyEnc).not.toContain(oldSip); // sealed, like every secret
    expect(row.bodyEnc).not.toContain("display_name");

    // The extension is renamed and gets a new SIP password after the fetch.
    await srv.withRuntime(async (rt) => {
      await updateExtension(rt, TENANT, "101", { displayName: "Front <Desk> & Co" });
      await resetExtensionPassword(rt, TENANT, "101");
    });
    const newSip = sipPassword();
    expect(newSip).not.toBe(oldSip);

    const admin = await b.newPage();
    await signIn(admin.page, srv.base, "admin", PASSWORD);
    await admin.page.goto(`${srv.base}/devices/${MAC}`);
    await clickAndWait(admin.page, FILE, "link");
    const del = await admin.page.locator("#diff del").allInnerTexts();
    const ins = await admin.page.locator("#diff ins").allInnerTexts();
    expect(del.join("")).toContain("- account.1.display_name = Zoë Ångström");
    expect(ins.join("")).toContain("+ account.1.display_name = Front <Desk> & Co");
    expect(del.join("")).toContain(oldSip);
    expect(ins.join("")).toContain(newSip);
    expect(await textOf(admin.page, "#preview")).toContain(newSip);
    expect(await admin.page.locator("#diff b, #preview b").count()).toBe(0);

    for (const who of ["technician", "readonly"]) {
      const { page, context } = await b.newPage();
      const bodies: string[] = [];
      page.on("response", async (res) => bodies.push(await res.text().catch(() => "")));
      await signIn(page, srv.base, who, PASSWORD);
      await page.goto(`${srv.base}/devices/${MAC}`);
      await clickAndWait(page, FILE, "link");
      expect(await textOf(page, "[role=note]")).toContain("secrets are masked");
      expect((await page.locator("#diff ins").allInnerTexts()).join("")).toContain("+ account.1.display_name = Front <Desk> & Co");
      expect(await textOf(page, "#preview")).toContain("••••••••");
      for (const body of bodies) for (const s of [oldSip, newSip, creds.password, creds.adminPassword]) expect(body.includes(s), `${who} got a secret`).toBe(false);
      await context.close();
    }

    // The phone fetches the new file: the diff says it is the same.
    const again = await curl(["-A", `Yealink SIP-T54W 96.86.0.100 ${MAC}`, "--digest", "-u", `${MAC}:${creds.password}`, `${srv.phoneUrl}/${FILE}`]);
    expect(again.status).toBe(200);
    for (let i = 0; i < 100 && kept()!.contentHash === row.contentHash; i++) await new Promise((res) => setTimeout(res, 50));
    await admin.page.reload();
    expect(await textOf(admin.page, "main")).toContain("The phone last got exactly this file");
    expect(await admin.page.locator("#diff").count()).toBe(0);
  }, 90_000);
});
