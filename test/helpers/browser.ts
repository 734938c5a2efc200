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
