import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMlops } from '../../src/index.js';
import { prng } from '../../src/monitoring/profile.js';
import { rate, time } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'monitoring';
const COLUMNS = 50;

function gaussianColumns(seed: number, rows: number, shift = 0): Record<string, Float64Array> {
  const r = prng(seed);
  const out: Record<string, Float64Array> = {};
  for (let c = 0; c < COLUMNS; c++) {
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) col[i] = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()) + shift;
    out[`f${c}`] = col;
  }
  return out;
}

export const monitoringSuite: BenchSuite = {
  name: SUITE,
  description: 'observe() throughput, report time for 50 columns, memory while observing 10M rows',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-mon-'));
    const ml = await createMlops({ dir, env: {} });
    try {
      const reference = gaussianColumns(1, 5000);
      const mon = ml.monitoring.monitor('bench', { reference, sampleSize: 5000 });
      const chunk = gaussianColumns(2, 10_000, 0.05);
      for (let i = 0; i < 20; i++) mon.observe(chunk);
      mon.resetWindow();
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      ctx.log('observing 10M rows x 50 columns (500M values) in chunks of 10k rows');
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) mon.observe(chunk);
      const seconds = (performance.now() - t0) / 1000;
      global.gc?.();
      const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
      ctx.log(`heap growth after 10M rows: ${heapGrowthMb.toFixed(1)} MB`);
      const reportStart = performance.now();
      const report = mon.report();
      const reportMs = performance.now() - reportStart;
      if (Object.keys(report.columns).length !== COLUMNS) throw new Error('report is missing columns');
      const throughput = rate(SUITE, 'observe() 10M rows x 50 numeric columns (columnar input)', 'values/s', (10_000_000 * COLUMNS) / seconds, null, '>= 1,000,000 values/s');
      const out: BenchResult[] = [
        { ...throughput, met: throughput.ours >= 1_000_000 },
        time(SUITE, 'driftReport over 50 columns (5000-value reservoirs, Wasserstein)', 'ms', reportMs, null, 'info'),
        time(SUITE, 'heap growth while observing 10M rows', 'MB', heapGrowthMb, null, 'bounded (reservoirs: 50 x 5000 values)', (o) => o < 64),
      ];
      const rowsInput = Array.from({ length: 10_000 }, (_, i) => Object.fromEntries(Object.entries(chunk).map(([k, v]) => [k, v[i] as number])));
      const t1 = performance.now();
      for (let i = 0; i < 20; i++) mon.observe(rowsInput);
      const rowSeconds = (performance.now() - t1) / 1000;
      out.push(rate(SUITE, 'observe() 200k rows x 50 columns as row objects', 'values/s', (200_000 * COLUMNS) / rowSeconds, null, 'info'));
      return out;
    } finally {
      await ml.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
