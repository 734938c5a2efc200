import { describe, expect, it } from 'vitest';
import { ManualClock, buildMlp } from '../../src/testing/index.js';
import type { PredictionRecord } from '../../src/index.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

const T0 = Date.UTC(2026, 0, 5, 14, 30);
const clock = new ManualClock(T0);
// y = a + b: which value was used shows in the output.
const model = () => buildMlp({ inputSize: 2, layers: [{ weights: [1, 1], bias: [0], activation: 'none' }] });

describe('serving and monitoring on the injected clock', () => {
  const runtime = useEmbeddedRuntime({ clock });

  it("serves a last-known value only while the view's ttl keeps it fresh", async () => {
    const { ml } = runtime;
    await ml.features.apply({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'lk', entities: ['instrument'], ttl: '10m', schema: { a: 'float64', b: 'float64' } }],
    });
    await ml.features.push('lk', [{ symbol: 'AAPL', event_ts: clock.now(), a: 1, b: 2 }], { to: 'online' });
    const served = await ml.serving.load({ bytes: await model(), name: 'last-known' }, { features: { refs: ['lk:a', 'lk:b'], missing: 'last-known' } });
    const predict = async () => Array.from((await served.predict({ entities: [{ symbol: 'AAPL' }] })).Y!.data as Float32Array);
    expect(await predict()).toEqual([3]);
    // 11 minutes on, the online value is past the view's ttl; the last-known copy is as old: refused.
    clock.advance(11 * 60_000);
    await expect(predict()).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('OUTSIDE_MAX_AGE') });
    // A fresh push is read (and remembered) again.
    await ml.features.push('lk', [{ symbol: 'AAPL', event_ts: clock.now(), a: 2, b: 2 }], { to: 'online' });
    expect(await predict()).toEqual([4]);
    await served.close();
  });

  it('stamps logged predictions and drift reports with the runtime clock', async () => {
    const { ml } = runtime;
    clock.set(T0 + 3_600_000);
    const records: PredictionRecord[] = [];
    const served = await ml.serving.load({ bytes: await model(), name: 'clocked' }, { log: { sampleRate: 1, to: (r) => records.push(r) } });
    await served.predict([[1, 1]]);
    expect(records[0]?.ts).toBe(T0 + 3_600_000);
    await served.close();

    const monitor = ml.monitoring.monitor('clocked', { reference: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    monitor.observe({ x: [1, 2, 3, 4, 5] });
    monitor.report();
    expect(monitor.lastReport?.at).toBe(T0 + 3_600_000);
    monitor.close();
  });
});
