import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core (never a browser download). One browser per test
 * file: `startBrowser()` in beforeAll, `close()` in afterAll; `newPage()` gives a fresh context
 * (its own cookies) for each account.
 */
export interface TestBrowser {
  readonly browser: Browser;
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

const CHROMIUM_PATH = "/usr/bin/chromium";

export async function startBrowser(): Promise<TestBrowser> {
  // playwright-core gives every launch a fresh temporary --user-data-dir of its own (and refuses
  // one in `args`), removed on close: no profile is shared between runs.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // playwright-core adds its own defaults; these are the ones the project relies on.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      contexts.push(context);
      return { context, page: await context.newPage() };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Signs in through the form; resolves once the next page has loaded. */
export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel(/^Username/).fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** Clicks a button or link that loads a page (a form post, a link) and waits for that page. */
export async function clickAndWait(page: Page, name: string | RegExp, role: "button" | "link" = "button"): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole(role, { name }).first().click()]);
}

/** The visible text of the first element matching `selector`. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).trim();
}
