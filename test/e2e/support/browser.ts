import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); override with CHROMIUM_PATH. */
const EXECUTABLE = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Every Playwright wait (locators, clicks) and navigation in these tests is bounded by these. */
const ACTION_TIMEOUT_MS = 15_000;
const NAVIGATION_TIMEOUT_MS = 30_000;

let shared: Promise<Browser> | undefined;

function launch(): Promise<Browser> {
  shared ??= chromium
    .launch({
      executablePath: EXECUTABLE,
      headless: true,
      timeout: 60_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    })
    .catch((error: unknown) => {
      shared = undefined;
      throw error;
    });
  return shared;
}

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * A fresh browser profile: a new context (its own cookies, storage and cache, shared with no
 * other context) in the one headless Chromium process this test file uses, launched on first
 * use. `javaScriptEnabled: false` proves forms work without JS. Call `closeBrowser()` in afterAll.
 */
export async function openBrowser(options: { javaScriptEnabled?: boolean } = {}): Promise<BrowserSession> {
  const browser = await launch();
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  return { context, close: () => context.close() };
}

/** Ends this test file's Chromium process (and every context still open in it). */
export async function closeBrowser(): Promise<void> {
  const pending = shared;
  shared = undefined;
  const browser = await pending?.catch(() => undefined);
  await browser?.close();
}
