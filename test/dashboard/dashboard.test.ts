import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, buildDashboard, signIn as openSignedIn } from '../helpers/browser.js';
import { tempDir } from '../helpers/services.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, '.tmp', 'screenshots');
const KEYS = { viewer: 'viewer-key-0123456789abcdef', reviewer: 'reviewer-key-0123456789abcdef', scientist: 'scientist-key-0123456789abcdef' };

describe.skipIf(!HAS_CHROMIUM)('[browser] the dashboard in headless Chromium', () => {
  let ml: Mlops;
  let dir: { path: string; remove: () => Promise<void> };
  let server: MlopsServer;
  let browser: Browser;
  let uiDir: string;
  let experimentId: string;

  const signIn = (key: string): Promise<Page> => openSignedIn(browser, server.url, key, { width: 1400, height: 900 });
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    uiDir = await buildDashboard(join(ROOT, '.tmp', `ui-e2e-${process.pid}`));
    dir = await tempDir();
    ml = await createMlops({ dir: dir.path, env: {} });
    const exp = await ml.tracking.createExperiment({ name: 'momentum' });
    experimentId = exp.experimentId;
    for (let i = 0; i < 5; i++) {
      const run = await ml.tracking.startRun({ experimentId, name: `sweep-${i}` });
      await run.logParams({ lr: 0.01 * (i + 1), window: 10 + i * 5 });
      await run.logBatch({ metrics: Array.from({ length: 200 }, (_, s) => ({ key: 'auc', value: 0.5 + (i + 1) * 0.05 * (1 - Math.exp(-s / 40)), step: s, timestamp: 1_700_000_000_000 + s * 1000 })) });
      await run.logArtifact('reports/summary.json', new TextEncoder().encode(JSON.stringify({ run: i })));
      if (i === 4) await ml.tracking.logModel(run, { name: 'sig', onnx: await buildLogisticRegression([0.5, -0.3], 0) });
      await run.end();
    }
    const sam = ml.as({ id: 'sam', roles: ['data-scientist'] });
    await sam.registry.createRegisteredModel({ name: 'fx-signal', description: 'EURUSD direction' });
    for (const w of [0.5, 0.7, 0.9]) await sam.registry.createModelVersion({ name: 'fx-signal', source: { bytes: await buildLogisticRegression([w, -0.3], 0) } });
    await sam.registry.requestApproval('fx-signal', 1);
    await ml.as({ id: 'risk', roles: ['reviewer'] }).registry.approve('fx-signal', 1);
    await sam.registry.setAlias('fx-signal', 'champion', 1);
    await sam.registry.requestApproval('fx-signal', 2, { reason: 'wider window' });
    await sam.registry.requestApproval('fx-signal', 3);

    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { ret: 'float64', vol: 'float64' } }] });
    await ml.features.push('px', [{ symbol: 'EURUSD', event_ts: Date.now(), ret: 0.001, vol: 0.07 }]);
    await ml.features.getOnline({ features: ['px:ret'], entities: [{ symbol: 'EURUSD' }, { symbol: 'GBPUSD' }] });

    const model = await ml.serving.load('fx-signal@champion');
    for (let i = 0; i < 50; i++) await model.predict([[i / 50, 1 - i / 50]]);
    const reference = Array.from({ length: 500 }, (_, i) => ({ ret: Math.sin(i) * 0.01, side: i % 2 ? 'buy' : 'sell' }));
    const monitor = ml.monitoring.monitor('fx-signal', { reference });
    monitor.observe(Array.from({ length: 500 }, (_, i) => ({ ret: Math.sin(i) * 0.01 + 0.02, side: i % 3 ? 'buy' : 'sell' })));
    monitor.report();

    server = await createServer(ml, {
      port: 0,
      dashboard: uiDir,
      auth: { apiKeys: { [KEYS.viewer]: { id: 'vera', roles: ['viewer'] }, [KEYS.reviewer]: { id: 'rita', roles: ['reviewer'] }, [KEYS.scientist]: { id: 'sam', roles: ['data-scientist', 'reviewer'] } } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await ml?.close();
    await dir?.remove();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('asks for a key, then filters runs and compares them on one chart', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill('input[name=api-key]', 'wrong-key-0123456789abcdef');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.login')).toContain('not accepted');
    await page.close();

    const viewer = await signIn(KEYS.viewer);
    expect(await viewer.textContent('[data-testid=who]')).toContain('vera (viewer)');
    await viewer.waitForSelector('[data-testid=experiments] >> text=momentum');
    await shot(viewer, 'experiments');
    await viewer.click('text=momentum');
    await viewer.waitForSelector('[data-testid=runs] >> text=sweep-4');
    await viewer.fill('input[name=filter]', 'metrics.auc > 0.64');
    await viewer.click('button:has-text("Search")');
    await expect.poll(async () => (await viewer.$$('[data-testid=runs] tbody tr')).length).toBe(3);
    await shot(viewer, 'runs');
    for (const name of ['sweep-2', 'sweep-3', 'sweep-4']) await viewer.check(`input[aria-label="select ${name}"]`);
    await viewer.click('[data-testid=compare]');
    await viewer.waitForSelector('[data-testid=compare-chart] canvas');
    const legend = await viewer.textContent('[data-testid=compare-chart]');
    for (const name of ['sweep-2', 'sweep-3', 'sweep-4']) expect(legend).toContain(name);
    await viewer.waitForSelector('[data-testid=scatter-chart] canvas');
    await shot(viewer, 'compare');
    const runLink = (await ml.tracking.searchRuns({ experimentIds: [experimentId], filter: "attributes.run_name = 'sweep-4'" })).runs[0]!.info.runId;
    await viewer.goto(`${server.url}/#/runs/${runLink}`);
    await viewer.waitForSelector('[data-testid=params] >> text=window');
    await viewer.waitForSelector('.chart canvas');
    await viewer.waitForSelector('[data-testid=artifacts] >> text=reports/');
    await viewer.waitForSelector('[data-testid=logged-models] >> text=sig');
    await shot(viewer, 'run');
    await viewer.close();
  });

  it('lets a reviewer approve a version and move the alias to it', async () => {
    const rita = await signIn(KEYS.reviewer);
    await rita.goto(`${server.url}/#/models`);
    await rita.waitForSelector('[data-testid=models] >> text=champion → v1');
    await shot(rita, 'models');
    await rita.goto(`${server.url}/#/models/fx-signal`);
    const v2 = rita.locator('[data-testid=version-2]');
    await v2.locator('[data-testid=four-eyes] >> text=Requested by sam').waitFor();
    await v2.locator('[data-testid=approve]').click();
    await expect.poll(() => rita.locator('[data-testid=version-2] [data-testid=approval]').textContent()).toBe('approved');
    await rita.locator('[data-testid=version-2] [data-testid=set-alias]').waitFor();
    // A reviewer holds approve, not write: the alias belongs to the model's owners.
    expect(await rita.locator('[data-testid=version-2] [data-testid=set-alias]').isDisabled()).toBe(true);
    await shot(rita, 'model-approved');
    await rita.close();

    const sam = await signIn(KEYS.scientist);
    await sam.goto(`${server.url}/#/models/fx-signal`);
    await sam.locator('[data-testid=version-2] [data-testid=set-alias]').click();
    await expect.poll(() => sam.locator('[data-testid=version-2] [data-testid=alias]').allTextContents()).toEqual(['@champion']);
    expect(await sam.locator('[data-testid=version-1] [data-testid=alias]').count()).toBe(0);
    expect((await ml.registry.getRegisteredModel('fx-signal')).aliases).toEqual({ champion: 2 });
    // Four eyes shown, not only enforced: sam asked for version 3, so sam's approve is disabled.
    const v3 = sam.locator('[data-testid=version-3]');
    await v3.locator('[data-testid=four-eyes] >> text=you asked for this approval').waitFor();
    expect(await v3.locator('[data-testid=approve]').isDisabled()).toBe(true);
    await shot(sam, 'model-alias-moved');
    await sam.close();
  });

  it('does not let a viewer approve', async () => {
    const vera = await signIn(KEYS.viewer);
    await vera.goto(`${server.url}/#/models/fx-signal`);
    const approve = vera.locator('[data-testid=version-3] [data-testid=approve]');
    await approve.waitFor();
    expect(await approve.isDisabled()).toBe(true);
    // The server refuses it too, whatever the page shows.
    const status = await vera.evaluate(async (key) => (await fetch('/api/2.0/mlops/model-versions/approve', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fx-signal', version: 3 }) })).status, KEYS.viewer);
    expect(status).toBe(403);
    expect((await ml.registry.getModelVersion('fx-signal', 3)).approval).toBe('pending_approval');
    await vera.close();
  });

  it('shows features, serving, drift and the audit log', async () => {
    const rita = await signIn(KEYS.reviewer);
    await rita.goto(`${server.url}/#/features`);
    await rita.waitForSelector('[data-testid=views] >> text=1 / 0 / 1 (50% hit)');
    await shot(rita, 'features');
    await rita.goto(`${server.url}/#/serving`);
    await rita.waitForSelector('[data-testid=served] >> text=fx-signal');
    expect(await rita.textContent('[data-testid=served]')).toContain('cpu');
    await shot(rita, 'serving');
    await rita.goto(`${server.url}/#/drift`);
    await rita.waitForSelector('[data-testid=verdict]');
    expect(await rita.textContent('[data-testid=verdict]')).toBe('dataset drift');
    await rita.waitForSelector('[data-testid=hist-ret] canvas');
    await rita.waitForSelector('[data-testid=hist-side] canvas');
    await shot(rita, 'drift');
    await rita.goto(`${server.url}/#/audit`);
    await rita.waitForSelector('[data-testid=audit] >> text=rita');
    await rita.click('[data-testid=verify]');
    await rita.waitForSelector('[data-testid=verify-result] >> text=Chain intact');
    await shot(rita, 'audit');
    await rita.close();
  });
});
