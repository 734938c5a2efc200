import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`metric series for charts on ${backend.name}`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
    });
    afterAll(() => close());

    it('returns every point of a short series and keeps each bucket\'s extremes of a long one', async () => {
      const run = await ml.tracking.startRun({});
      const values = Array.from({ length: 5000 }, (_, s) => Math.sin(s / 100) + (s === 2345 ? 10 : 0));
      for (let s0 = 0; s0 < 5000; s0 += 1000) {
        await ml.tracking.logBatch(run.runId, { metrics: values.slice(s0, s0 + 1000).map((value, i) => ({ key: 'loss', value, step: s0 + i, timestamp: 1_700_000_000_000 + (s0 + i) * 10 })) });
      }
      await ml.tracking.logBatch(run.runId, { metrics: [{ key: 'auc', value: 0.5, step: 0 }, { key: 'auc', value: Number.NaN, step: 1 }, { key: 'auc', value: 0.7, step: 2 }] });

      const short = await ml.tracking.getMetricSeries(run.runId, 'auc');
      expect(short).toEqual({ x: [0, 2], y: [0.5, 0.7], total: 2 });

      const long = await ml.tracking.getMetricSeries(run.runId, 'loss', { maxPoints: 200 });
      expect(long.total).toBe(5000);
      expect(long.x.length).toBeLessThanOrEqual(200);
      expect(long.x.length).toBeGreaterThan(150);
      // The spike at step 2345 survives the reduction (an average would have flattened it).
      expect(Math.max(...long.y)).toBeCloseTo(10 + Math.sin(23.45), 10);
      expect(Math.min(...long.y)).toBeCloseTo(Math.min(...values), 10);
      // x stays ordered and within the logged range.
      expect(long.x[0]).toBe(0);
      expect(long.x[long.x.length - 1]).toBe(4999);
      for (let i = 1; i < long.x.length; i++) expect(long.x[i]!).toBeGreaterThanOrEqual(long.x[i - 1]!);

      const byTime = await ml.tracking.getMetricSeries(run.runId, 'loss', { x: 'time', maxPoints: 100 });
      expect(byTime.x[0]).toBe(1_700_000_000_000);
      expect(byTime.x.length).toBeLessThanOrEqual(100);

      expect(await ml.tracking.getMetricSeries(run.runId, 'missing')).toEqual({ x: [], y: [], total: 0 });
      await expect(ml.tracking.getMetricSeries(run.runId, 'loss', { x: 'epoch' as 'step' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('epoch') });
      await expect(ml.tracking.getMetricSeries(run.runId, 'loss', { maxPoints: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('maxPoints') });
      await expect(ml.tracking.getMetricSeries('nope', 'loss')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
