import { describe, expect, it } from 'vitest';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';
import { deferredRecorders } from '../../src/core/metrics.js';
import { freeWidthModel, int64Model, multiInputModel, reshapeModel } from '../helpers/onnx-models.js';

describe('models with several inputs and with int64 tensors', () => {
  const runtime = useEmbeddedRuntime();

  it('takes named inputs, checks each, and batches callers of a multi-input model', async () => {
    const model = await runtime.ml.serving.load({ bytes: await multiInputModel(), name: 'multi' }, { batching: { maxDelayMicros: 1000 } });
    expect(model.signature.inputs.map((i) => i.name)).toEqual(['A', 'B']);
    const outs = await Promise.all([
      model.predict({ A: [[1, 0]], B: [[0, 0, 1]] }),
      model.predict({ A: [[0, 1], [1, 1]], B: [[1, 1, 1], [0, 0, 0]] }),
    ]);
    expect(Array.from(outs[0]!.Y!.data as Float32Array)).toEqual([1 + 5]);
    expect(Array.from(outs[1]!.Y!.data as Float32Array)).toEqual([2 + 3 + 4 + 5, 1 + 2]);
    await expect(model.predict({ A: [[1, 0]] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Invalid inputs.B: is missing' });
    await expect(model.predict({ A: [[1, 0]], B: [[1, 1, 1], [1, 1, 1]] })).rejects.toMatchObject({ message: expect.stringContaining('inputs.B: has 2 rows along its batch axis 0 (shape [batch, 3]), input A has 1') });
    await expect(model.predict([[1, 0]])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('batches only requests whose dimensions agree after the first, and a failing batch fails only its own callers', async () => {
    const model = await runtime.ml.serving.load({ bytes: await freeWidthModel(), name: 'free' }, { batching: { maxDelayMicros: 5000 } });
    const pair = (w: number, v: number, x: number) => ({ X: { data: new Float32Array(w).fill(x), dims: [1, w] }, Y: { data: new Float32Array(v).fill(1), dims: [1, v] } });
    const settled = await Promise.allSettled([
      model.predict(pair(2, 2, 1)),
      model.predict(pair(3, 3, 2)),
      model.predict(pair(2, 3, 9)), // widths disagree: onnxruntime cannot add them
      model.predict(pair(2, 2, 3)),
      model.predict(pair(3, 3, 4)),
    ]);
    const values = settled.map((s) => (s.status === 'fulfilled' ? Array.from(s.value.Z!.data as Float32Array) : (s.reason as { code: string }).code));
    expect(values).toEqual([[2, 2], [3, 3, 3], 'INTERNAL', [4, 4], [5, 5, 5]]);
    // One run per shape; widths 2 and 3 were never joined into one tensor (stats count runs that succeeded).
    expect(model.stats).toMatchObject({ batches: 2, requests: 4, rows: 4 });
  });

  it('refuses a model that cannot warm up, naming the shapes tried, and leaves nothing loaded', async () => {
    const { ml } = runtime;
    const bytes = await reshapeModel();
    const loaded = ml.serving.list().length;
    await expect(ml.serving.load({ bytes, name: 'reshape' })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/Warmup failed.*X \[1, 1\].*warmup: false/) });
    expect(ml.serving.list()).toHaveLength(loaded);
    const cold = await ml.serving.load({ bytes, name: 'reshape' }, { warmup: false });
    const out = await cold.predict({ X: { data: new Float32Array(6).fill(1), dims: [1, 6] } });
    expect(out.Y!.dims).toEqual([2, 3]);
    await cold.close();
  });

  it('unregisters a model\'s metric recorders when it closes, after handing over their counts', async () => {
    const { ml } = runtime;
    const bytes = await multiInputModel();
    const predictions = ml.metrics.registry.getSingleMetric('mlops_predictions_total');
    const depth = ml.metrics.registry.getSingleMetric('mlops_queue_depth');
    const before = { predictions: predictions === undefined ? 0 : deferredRecorders(predictions), depth: depth === undefined ? 0 : deferredRecorders(depth) };
    for (let i = 0; i < 5; i++) {
      const model = await ml.serving.load({ bytes, name: 'churn' });
      await model.predict({ A: [[1, 0]], B: [[0, 0, 1]] });
      await model.close();
    }
    const after = ml.metrics.registry.getSingleMetric('mlops_predictions_total')!;
    expect(deferredRecorders(after)).toBe(before.predictions);
    expect(deferredRecorders(ml.metrics.registry.getSingleMetric('mlops_queue_depth')!)).toBe(before.depth);
    // Nothing was scraped before the closes, and all five predictions are still counted.
    expect(await ml.metrics.text()).toMatch(/mlops_predictions_total\{model="churn",version="file",route="default"\} 5/);
  });

  it('converts numbers to int64 and returns int64 outputs as BigInt64Array', async () => {
    const model = await runtime.ml.serving.load({ bytes: await int64Model(), name: 'ints' });
    expect(model.signature.inputs[0]).toMatchObject({ elementType: 'int64' });
    const out = await model.predict([[3, 4], [-2, 1]]);
    expect(out.S!.type).toBe('int64');
    expect(Array.from(out.S!.data as BigInt64Array)).toEqual([43n, 8n]);
    const fromBigInts = await model.predict({ I: { data: BigInt64Array.from([1n, 2n]), dims: [1, 2] } });
    expect(Array.from(fromBigInts.S!.data as BigInt64Array)).toEqual([21n]);
    await expect(model.predict([[1.5, 2]])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('inputs.I[0][0]: expected a whole number for int64') });
  });
});
