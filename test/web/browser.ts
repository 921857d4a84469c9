/**
 * A real headless Chromium for the web tests: Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser). Missing, it is a failure that says what to do.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (sudo apt-get install -y chromium; .ci/run does this) to run the browser tests`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Screenshots go to a folder that outlives the test run, so they can be looked at. */
export const SHOTS = mkdtempSync(join(tmpdir(), 'consentry-web-shots-'));

export interface Tracked {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL the page asked for. */
  readonly requests: string[];
  /** Uncaught page errors and console errors. */
  readonly errors: string[];
}

export async function openPage(browser: Browser, o: { readonly lang?: string } = {}): Promise<Tracked> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: o.lang ?? 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.setDefaultTimeout(10_000);
  return { context, page, requests, errors };
}

/** Requests that went anywhere but the server under test (data: and blob: URLs stay in the page). */
export function offSite(requests: readonly string[], base: string): string[] {
  return requests.filter((u) => !u.startsWith(base + '/') && u !== base && !u.startsWith('data:') && !u.startsWith('blob:'));
}
