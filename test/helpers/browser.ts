import type { Browser, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';

/** Debian's Chromium, which `.ci/run` installs when missing. */
export const CHROMIUM = process.env.MLOPS_CHROMIUM ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Flags for a closed network: no background connections, no sandbox (root in CI), no GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const ROOT = new URL('../..', import.meta.url).pathname;

/** Builds the dashboard as `npm run build` does, into a folder of the caller's. */
export async function buildDashboard(outDir: string): Promise<string> {
  await build({ configFile: join(ROOT, 'ui/vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'error' });
  return outDir;
}

/**
 * Opens the dashboard at `url` in a new page and signs in with an API key; a page error fails the test.
 * The viewport defaults to Playwright's.
 */
export async function signIn(browser: Browser, url: string, key: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport !== undefined ? { viewport } : {});
  page.on('pageerror', (err) => {
    throw err;
  });
  await page.goto(url);
  await page.fill('input[name=api-key]', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  return page;
}
