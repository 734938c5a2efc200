import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, buildDashboard, signIn as openSignedIn } from '../helpers/browser.js';
import { tempDir } from '../helpers/services.js';
import { registerApproved } from './fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const UI = join(ROOT, '.tmp', `ui-halt-${process.pid}`);
const KEYS = { risk: 'risk-key-0123456789abcdef', viewer: 'viewer-key-0123456789abcdef' };

describe.skipIf(!HAS_CHROMIUM)('[browser] the dashboard kill switch', () => {
  let ml: Mlops;
  let dir: { path: string; remove: () => Promise<void> };
  let server: MlopsServer;
  let browser: Browser;
  beforeAll(async () => {
    const ui = await buildDashboard(UI);
    dir = await tempDir();
    ml = await createMlops({ dir: dir.path, env: {} });
    await registerApproved(ml, 'fx-signal');
    server = await createServer(ml, { port: 0, dashboard: ui, auth: { apiKeys: { [KEYS.risk]: { id: 'rita', roles: ['risk'] }, [KEYS.viewer]: { id: 'vera', roles: ['viewer'] } } } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await ml?.close();
    await dir?.remove();
    rmSync(UI, { recursive: true, force: true });
  });

  const signIn = (key: string) => openSignedIn(browser, server.url, key);

  it('a risk officer halts a model with the red button; every page shows the banner until someone else resumes', async () => {
    const vera = await signIn(KEYS.viewer);
    await vera.goto(`${server.url}/#/models`);
    await vera.waitForSelector('[data-testid=models] tr >> text=fx-signal');
    expect(await vera.locator('[data-testid=halt-fx-signal]').count()).toBe(0);

    const rita = await signIn(KEYS.risk);
    await rita.goto(`${server.url}/#/models`);
    rita.on('dialog', (d) => void d.accept('runaway fills'));
    await rita.click('[data-testid=halt-fx-signal]');
    await rita.waitForSelector('[data-testid=halt-banner]');
    expect(await rita.textContent('[data-testid=halt-banner]')).toContain('fx-signal (by rita');
    expect(ml.controls.status().halted).toMatchObject([{ target: { model: 'fx-signal' }, haltedBy: 'rita', reason: 'runaway fills' }]);
    await vera.waitForSelector('[data-testid=halt-banner]', { timeout: 5000 });

    await ml.as({ id: 'ravi', roles: ['risk'] }).controls.resume({ model: 'fx-signal' }, { reason: 'limits reset' });
    await vera.waitForSelector('[data-testid=halt-banner]', { state: 'detached', timeout: 5000 });
  }, 60_000);
});
