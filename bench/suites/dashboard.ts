import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createMlops } from '../../src/index.js';
import { createServer } from '../../src/server.js';
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, buildDashboard } from '../../test/helpers/browser.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'dashboard';
const RUNS = 100;
const STEPS = 10_000;

/**
 * Time to first chart with 100 runs x 10,000 steps (MLflow's chart view freezes at 10 x 10,000,
 * mlflow/mlflow#9779): the compare page as shipped (series reduced to ~1000 points per run in SQL)
 * against the same page and chart library given every point (max_points 20,000), in headless Chromium.
 */
export const dashboardSuite: BenchSuite = {
  name: SUITE,
  description: `compare page, ${RUNS} runs x ${STEPS.toLocaleString('en-US')} steps: server-downsampled vs all points, time from navigation to the first chart draw (headless Chromium)`,
  async run(ctx) {
    if (!HAS_CHROMIUM) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set MLOPS_CHROMIUM)`);
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-ui-'));
    const ml = await createMlops({ dir, env: {} });
    const ui = await buildDashboard(join(dir, 'ui'));
    const server = await createServer(ml, { port: 0, dashboard: ui });
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    try {
      ctx.log(`logging ${RUNS} runs x ${STEPS} steps`);
      const exp = await ml.tracking.createExperiment({ name: 'bench-dashboard' });
      const ids: string[] = [];
      for (let r = 0; r < RUNS; r++) {
        const run = await ml.tracking.startRun({ experimentId: exp.experimentId, name: `run-${r}` });
        await run.logParams({ lr: 0.001 * (r + 1) });
        for (let s0 = 0; s0 < STEPS; s0 += 1000) {
          await run.logBatch({ metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'loss', value: Math.exp(-(s0 + i) / (2000 + r * 30)) + Math.sin((s0 + i) / 37) * 0.01, step: s0 + i, timestamp: 1_700_000_000_000 + (s0 + i) * 100 })) });
        }
        await run.end();
        ids.push(run.runId);
      }
      const timeToChart = async (points: number | undefined): Promise<number> => {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        try {
          await page.goto(`${server.url}/#/compare?exp=${exp.experimentId}&runs=${ids.join(',')}${points !== undefined ? `&points=${points}` : ''}`);
          await page.waitForFunction(() => (globalThis as Marked).__mlopsFirstChartMs !== undefined, undefined, { timeout: 120_000 });
          return (await page.evaluate(() => (globalThis as Marked).__mlopsFirstChartMs)) as number;
        } finally {
          await page.close();
        }
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      const ours: number[] = [];
      const all: number[] = [];
      for (let i = 0; i < 3; i++) {
        ctx.log(`round ${i + 1}/3`);
        ours.push(await timeToChart(undefined));
        all.push(await timeToChart(20_000));
      }
      const o = median(ours);
      const b = median(all);
      const results: BenchResult[] = [
        { suite: SUITE, name: `time to first chart, ${RUNS} runs x ${STEPS} steps`, unit: 'ms', ours: o, baseline: b, ratio: b / o, goal: 'ratio >= 2 vs drawing every point; MLflow freezes at 10 runs x 10,000 steps (mlflow#9779)', met: b / o >= 2 },
      ];
      return results;
    } finally {
      await browser.close();
      await server.close();
      await ml.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** The compare page sets this (performance.now() at its first chart draw). */
interface Marked {
  __mlopsFirstChartMs?: number;
}
