import { describe, expect, it } from 'vitest';
import { useServer } from './http-client.js';

const BASE = '/api/2.0/mlflow';

describe('NaN and ±Infinity metrics over the MLflow REST API', () => {
  const s = useServer();

  it('come back as "NaN", "Infinity" and "-Infinity" from runs/get and metrics/get-history, and log again as such', async () => {
    const exp = await s.call('POST', `${BASE}/experiments/create`, { name: 'nonfinite' });
    const run = await s.call('POST', `${BASE}/runs/create`, { experiment_id: exp.body.experiment_id, start_time: 1 });
    const runId = run.body.run.info.run_id as string;
    const values = ['NaN', 'Infinity', '-Infinity'];
    for (const [i, value] of values.entries()) {
      const logged = await s.call('POST', `${BASE}/runs/log-metric`, { run_id: runId, key: `m${i}`, value, timestamp: 10, step: 0 });
      expect(logged.status, JSON.stringify(logged.body)).toBe(200);
    }
    const got = await s.call('GET', `${BASE}/runs/get?run_id=${runId}`);
    const latest = Object.fromEntries((got.body.run.data.metrics as Array<{ key: string; value: unknown }>).map((m) => [m.key, m.value]));
    expect(latest).toEqual({ m0: 'NaN', m1: 'Infinity', m2: '-Infinity' });
    for (const [i, value] of values.entries()) {
      const history = await s.call('GET', `${BASE}/metrics/get-history?run_id=${runId}&metric_key=m${i}`);
      expect(history.body.metrics.map((m: { value: unknown }) => m.value)).toEqual([value]);
      // What a client reads back it can log again (the round trip a copy between servers makes).
      const again = await s.call('POST', `${BASE}/runs/log-batch`, { run_id: runId, metrics: [{ key: `copy${i}`, value: history.body.metrics[0].value, timestamp: 11, step: 1 }] });
      expect(again.status).toBe(200);
    }
    const history = await s.ml.tracking.getMetricHistory(runId, 'copy0');
    expect(Number.isNaN(history[0]?.value)).toBe(true);
    expect((await s.ml.tracking.getMetricHistory(runId, 'copy1'))[0]?.value).toBe(Infinity);
    expect((await s.ml.tracking.getMetricHistory(runId, 'copy2'))[0]?.value).toBe(-Infinity);
  });
});
