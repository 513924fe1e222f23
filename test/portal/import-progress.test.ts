import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { devices } from "../../src/db/schema.ts";
import { clickAndWait, signIn, startBrowser, textOf, type TestBrowser } from "../helpers/browser.ts";
import { holdWriteLock } from "../helpers/write-lock.ts";
import { PASSWORD, TENANT, startPortal, type PortalServer } from "./portal-fixture.ts";

/**
 * A long CSV import from the portal shows its progress while it runs. To see an intermediate value
 * for certain (by order, not by timing), another process holds the database's write lock: the
 * import checks every row, then waits for the lock before it writes, and its page must show
 * "N checked, 0 of N written" and update by itself while it waits. Releasing the lock lets it finish.
 */
let srv: PortalServer;
let b: TestBrowser;
const ROWS = 20_000;

beforeAll(async () => {
  // The import worker waits for the lock up to dbLockTimeoutMs.
  srv = await startPortal({ dbLockTimeoutMs: 120_000 });
  b = await startBrowser();
}, 60_000);
afterAll(async () => {
  await b?.close();
  await srv?.close();
});

const deviceCount = () => srv.withRuntime((rt) => rt.db.select().from(devices).all().length);

function bigCsv(rows: number): Buffer {
  const lines = ["mac,vendor,model,tenant,lines,label,key_layout"];
  for (let i = 0; i < rows; i++) lines.push(`805ec1${i.toString(16).padStart(6, "0")},yealink,T54W,${TENANT},101,Desk ${i},`);
  return Buffer.from(lines.join("\n"));
}

interface Poll {
  done: boolean;
  location?: string;
  cells?: { id: string; text: string }[];
}

describe("a long CSV import in the portal", () => {
  test(`shows rows checked and devices written while it runs (${ROWS.toLocaleString("en-US")} rows), live without reloading, then its batch`, async () => {
    const { page } = await b.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, srv.base, "technician", PASSWORD);
    await page.goto(`${srv.base}/onboarding#csv`);
    // Every progress answer the page's script receives, in order.
    const polls: Poll[] = [];
    page.on("response", (r) => {
      if (/\/onboarding\/imports\//.test(r.url()) && (r.headers()["content-type"] ?? "").includes("json")) void r.json().then((j: Poll) => polls.push(j), () => undefined);
    });
    const before = deviceCount();
    const lock = await holdWriteLock(join(srv.config.dataDir, "phonehome.db"));
    let released = false;
    try {
      await page.getByLabel(/^CSV file/).setInputFiles({ name: "warehouse.csv", mimeType: "text/csv", buffer: bigCsv(ROWS) });
      await clickAndWait(page, "Import without checking first");
      expect(page.url()).toMatch(/\/onboarding\/imports\/[\w-]+$/);
      expect(await textOf(page, "h1")).toBe("Importing warehouse.csv");
      // The page is not reloaded from here on: the marker stays while the numbers change.
      await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      await page.waitForFunction((n) => document.getElementById("imp-checked")?.textContent === String(n) && document.getElementById("imp-total")?.textContent === String(n), ROWS, { timeout: 60_000 });
      expect(await textOf(page, "#imp-written")).toBe("0");
      expect(await textOf(page, "#imp-phase")).toContain("writing");
      expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
      expect(await page.locator("#imp-bar").evaluate((el) => [(el as HTMLProgressElement).value, (el as HTMLProgressElement).max])).toEqual([0, ROWS]);
      // Without JavaScript the page reloads itself.
      expect(await page.locator("noscript").first().innerHTML()).toContain('http-equiv="refresh"');
      expect(deviceCount()).toBe(before); // nothing written while it waits
      await lock.release();
      released = true;
    } finally {
      if (!released) await lock.release();
    }

    await page.waitForURL(/\/onboarding\/batches\/\d+/, { timeout: 120_000 });
    expect(await textOf(page, "h1")).toMatch(/^Batch \d+$/);
    expect(await textOf(page, "[role=status]")).toBe(`warehouse.csv imported: ${ROWS} created, 0 updated, 0 unchanged.`);
    expect(deviceCount()).toBe(before + ROWS);

    // The answers the page followed: rows checked and devices written only grow, an intermediate
    // value came before the end, and a finished answer says where the outcome is (the page may
    // leave before the last answer's body is read).
    const values = polls.filter((p) => !p.done).map((p) => Object.fromEntries((p.cells ?? []).map((c) => [c.id, c.text])));
    const checked = values.map((v) => Number(v["imp-checked"]));
    const written = values.map((v) => Number(v["imp-written"]));
    expect(checked.length).toBeGreaterThan(0);
    expect(checked).toEqual([...checked].sort((x, y) => x - y));
    expect(written).toEqual([...written].sort((x, y) => x - y));
    expect(values.some((v) => v["imp-checked"] === String(ROWS) && v["imp-written"] === "0")).toBe(true);
    for (const p of polls.filter((x) => x.done)) expect(p.location).toMatch(/^\/onboarding\/imports\//);
  }, 240_000);
});
