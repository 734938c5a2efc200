import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

const model = () => buildMlp({ inputSize: 2, layers: [{ weights: [1, 1], bias: [0], activation: 'none' }] });

describe('hooks are lists', () => {
  const runtime = useEmbeddedRuntime();

  it('runs afterPredict and batch hooks in the order added, next to the built-in metrics hook, until removed', async () => {
    const { ml } = runtime;
    const served = await ml.serving.load({ bytes: await model() }, { name: 'hooked', batching: { maxDelayMicros: 0 } });
    const seen: string[] = [];
    const offA = served.addHook('afterPredict', (_t, outputs) => seen.push(`a:${Array.from(outputs.Y!.data as Float32Array).join()}`));
    served.addHook('afterPredict', () => seen.push('b'));
    served.addHook('batch', (rows, requests) => seen.push(`batch:${rows}x${requests}`));
    await served.predict([[1, 2]]);
    offA();
    await served.predict([[3, 4]]);
    expect(seen).toEqual(['batch:1x1', 'a:3', 'b', 'batch:1x1', 'b']);
    // The metrics hook added at load still ran for both predictions.
    expect(served.recentLatency()?.samples).toBe(2);
    await served.close();
  });

  it("gives the caller a hook's error, and refuses a hook that is not a function or has no such name", async () => {
    const { ml } = runtime;
    const served = await ml.serving.load({ bytes: await model() }, { name: 'hooked2' });
    served.addHook('afterPredict', () => {
      throw new Error('hook broke');
    });
    await expect(served.predict([[1, 2]])).rejects.toThrow('hook broke');
    expect(() => served.addHook('afterPredict', 'nope' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => (served.addHook as (name: string, fn: () => void) => void)('before', () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await served.close();
  });

  it('runs a monitor close hook once, and a feature-view monitor stops listening when closed', async () => {
    const { ml } = runtime;
    const monitor = ml.monitoring.monitor('m', { reference: { x: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    let closed = 0;
    monitor.addHook('close', () => (closed += 1));
    monitor.close();
    monitor.close();
    expect(closed).toBe(1);

    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap: 'float64' } }] });
    const watch = ml.monitoring.monitorFeatureView('px', { reference: { vwap: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    await ml.features.push('px', [{ symbol: 'A', vwap: 1, event_ts: Date.now() }]);
    expect(watch.dataQuality().vwap?.rows).toBe(1);
    watch.close();
    await ml.features.push('px', [{ symbol: 'A', vwap: 2, event_ts: Date.now() }]);
    expect(watch.dataQuality().vwap?.rows).toBe(1);
  });
});
