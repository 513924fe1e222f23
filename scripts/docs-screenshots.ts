/**
 * `npm run docs:screenshots`: the demo site in a throw-away data directory, the portal in Debian's
 * Chromium, and screenshots of the main pages into docs/img/ (docs/portal.md shows them).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signIn, startBrowser } from "../test/helpers/browser.ts";
import { curl } from "../test/helpers/curl.ts";
import { PASSWORD, TENANT, startPortal } from "../test/portal/portal-fixture.ts";
import { deviceCredentials, getDevice } from "../src/services/devices.ts";
import { updateExtension } from "../src/services/extensions.ts";
import { createGroup } from "../src/services/groups.ts";
import { createLayout, setDeviceLayout } from "../src/services/key-layouts.ts";
import { KeysInput } from "../src/services/schemas.ts";
import { holdWriteLock } from "../test/helpers/write-lock.ts";

const out = (name: string) => fileURLToPath(new URL(`../docs/img/${name}.png`, import.meta.url));

const srv = await startPortal({ fetchLogFlushMs: 10 });
const settle = () => new Promise((r) => setTimeout(r, 300));
const b = await startBrowser();
try {
  const { page } = await b.newPage();
  await page.goto(`${srv.base}/login`);
  await page.screenshot({ path: out("login") });
  await signIn(page, srv.base, "admin", PASSWORD);
  await page.goto(`${srv.base}/extensions`);
  await page.screenshot({ path: out("extensions") });
  await page.goto(`${srv.base}/tenants/${TENANT}/extensions/101`);
  await page.screenshot({ path: out("extension"), fullPage: true });
  await page.goto(`${srv.base}/devices`);
  await page.screenshot({ path: out("devices") });
  await page.goto(`${srv.base}/devices/805ec0000101`);
  await page.screenshot({ path: out("device"), fullPage: true });
  // A phone fetches its file, then its extension is renamed: the file page shows the diff.
  const pw = await srv.withRuntime(async (rt) => deviceCredentials(rt, await getDevice(rt, "805ec0000101")).password);
  await curl(["-A", "Yealink SIP-T54W 96.86.0.100 805ec0000101", "--digest", "-u", `805ec0000101:${pw}`, `${srv.phoneUrl}/805ec0000101.cfg`]);
  await settle();
  await srv.withRuntime((rt) => updateExtension(rt, TENANT, "101", { displayName: "Reception desk" }));
  await page.goto(`${srv.base}/devices/805ec0000101/files/805ec0000101.cfg`);
  await page.screenshot({ path: out("file-diff") });
  await page.goto(`${srv.base}/tenants/${TENANT}`);
  await page.screenshot({ path: out("tenant"), fullPage: true });
  // The tenant's numbering plan (on a phone), a key layout used by a phone, a group watched by it.
  await srv.withRuntime(async (rt) => {
    await createGroup(rt, TENANT, { name: "Sales", members: ["102", "103", "104"] });
    await createLayout(rt, TENANT, { name: "Reception", keys: KeysInput.parse([{ index: 1, kind: "line" }, { index: 2, kind: "blf", value: "102", label: "Bob" }, { index: 3, kind: "blf_group", value: "Sales" }, { index: 7, kind: "speed_dial", value: "*97", label: "Voicemail" }]) });
    await setDeviceLayout(rt, "805ec0000101", "Reception");
  });
  const narrow = await b.newPage();
  await narrow.page.setViewportSize({ width: 390, height: 844 });
  await signIn(narrow.page, srv.base, "admin", PASSWORD);
  await narrow.page.goto(`${srv.base}/tenants/${TENANT}/numbering-plan`);
  await narrow.page.screenshot({ path: out("numbering-plan-phone") });
  await page.goto(`${srv.base}/tenants/${TENANT}/key-layouts/Reception`);
  await page.screenshot({ path: out("key-layout") });
  await page.goto(`${srv.base}/tenants/${TENANT}/groups/Sales`);
  await page.screenshot({ path: out("group"), fullPage: true });
  await page.goto(`${srv.base}/audit`);
  await page.screenshot({ path: out("audit") });
  await page.goto(`${srv.base}/firmware`);
  await page.screenshot({ path: out("firmware") });
  await page.goto(`${srv.base}/accounts`);
  await page.screenshot({ path: out("accounts"), fullPage: true });
  const phone = await b.newPage();
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await signIn(phone.page, srv.base, `101@${TENANT}`, PASSWORD);
  await phone.page.screenshot({ path: out("me-phone") });
  // A technician on a phone: two phones in the inbox, a CSV checked, a claim's batch.
  for (const mac of ["805ec0ab0001", "805ec0ab0002"]) await curl(["-A", `Yealink SIP-T46U 96.86.0.100 ${mac}`, `${srv.phoneUrl}/${mac}.cfg`]);
  await settle();
  const tech = await b.newPage();
  await tech.page.setViewportSize({ width: 390, height: 844 });
  await signIn(tech.page, srv.base, "technician", PASSWORD);
  await tech.page.goto(`${srv.base}/onboarding`);
  await tech.page.getByLabel(/^CSV file/).setInputFiles({
    name: "pallet.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`mac,vendor,model,tenant,lines,label,key_layout\n805ec0ac0001,,T54W,${TENANT},101,Desk,\n805ec0ac0002,,T54W,${TENANT},199,,\n`),
  });
  await Promise.all([tech.page.waitForNavigation(), tech.page.getByRole("button", { name: "Check the file (dry run)" }).click()]);
  await tech.page.waitForSelector("#csv-result");
  await tech.page.screenshot({ path: out("onboarding-phone"), fullPage: true });
  await tech.page.getByLabel("Claim 805ec0ab0001").check();
  await tech.page.locator("#f-lines-805ec0ab0001").fill("104");
  await Promise.all([tech.page.waitForNavigation(), tech.page.getByRole("button", { name: "Claim the ticked phones" }).click()]);
  await tech.page.screenshot({ path: out("batch-phone"), fullPage: true });
  // A long import waiting for the write lock another process holds: its page shows the rows checked.
  const rows = ["mac,vendor,model,tenant,lines,label,key_layout", ...Array.from({ length: 5000 }, (_, i) => `805ec1${i.toString(16).padStart(6, "0")},yealink,T54W,${TENANT},101,,`)];
  const lock = await holdWriteLock(join(srv.config.dataDir, "phonehome.db"));
  try {
    await tech.page.goto(`${srv.base}/onboarding#csv`);
    await tech.page.getByLabel(/^CSV file/).setInputFiles({ name: "warehouse.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
    await Promise.all([tech.page.waitForNavigation(), tech.page.getByRole("button", { name: "Import without checking first" }).click()]);
    await tech.page.waitForFunction(() => document.getElementById("imp-total")?.textContent === "5000");
    await tech.page.screenshot({ path: out("import-progress-phone") });
  } finally {
    await lock.release();
  }
  await tech.page.waitForURL(/\/onboarding\/batches\//);
  console.log("screenshots written to docs/img/");
} finally {
  await b.close();
  await srv.close();
}
