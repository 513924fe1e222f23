/**
 * `npm run docs:screenshots`: the demo site in a throw-away data directory, the portal in Debian's
 * Chromium, and screenshots of the main pages into docs/img/ (docs/portal.md shows them).
 */
import { fileURLToPath } from "node:url";
import { signIn, startBrowser } from "../test/helpers/browser.ts";
import { PASSWORD, TENANT, startPortal } from "../test/portal/portal-fixture.ts";

const out = (name: string) => fileURLToPath(new URL(`../docs/img/${name}.png`, import.meta.url));

const srv = await startPortal();
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
  const phone = await b.newPage();
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await signIn(phone.page, srv.base, `101@${TENANT}`, PASSWORD);
  await phone.page.screenshot({ path: out("me-phone") });
  console.log("screenshots written to docs/img/");
} finally {
  await b.close();
  await srv.close();
}
