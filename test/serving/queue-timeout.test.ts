import { describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DynamicBatcher } from '../../src/serving/batcher.js';
import { buildMlp } from '../../src/testing/index.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

/** A session whose every run takes `ms`: the batcher's queue policy is what is under test here. */
function slowSession(ms: number): ort.InferenceSession {
  return {
    run: (feeds: Record<string, ort.Tensor>) => new Promise((resolve) => setTimeout(() => resolve({ Y: feeds.X }), ms)),
    release: async () => undefined,
  } as unknown as ort.InferenceSession;
}

const request = (v: number) => ({ X: new ort.Tensor('float32', Float32Array.of(v), [1, 1]) });

describe('queue timeout (Triton queue policy, timeout_action REJECT)', () => {
  const runtime = useEmbeddedRuntime();

  it('answers UNAVAILABLE to requests that waited longer than queueTimeoutMicros, and runs the rest', async () => {
    const batcher = new DynamicBatcher(ort, () => slowSession(40), { maxBatchSize: 1, maxDelayMicros: 100, queueTimeoutMicros: 15_000 });
    const settled = await Promise.allSettled([1, 2, 3, 4].map((v) => batcher.submit(request(v), 1)));
    // The first runs for 40 ms; by then the other three have waited past 15 ms.
    expect(settled[0]).toMatchObject({ status: 'fulfilled' });
    for (const s of settled.slice(1)) {
      expect(s).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE', message: expect.stringContaining('longer than batching.queueTimeoutMicros (15000); it was not run') } });
    }
    expect(batcher.queueDepth).toBe(0);
    await batcher.whenIdle();
    // Without a timeout every request runs, however long it waited.
    const patient = new DynamicBatcher(ort, () => slowSession(5), { maxBatchSize: 1, maxDelayMicros: 100 });
    const all = await Promise.allSettled([1, 2, 3, 4].map((v) => patient.submit(request(v), 1)));
    expect(all.every((s) => s.status === 'fulfilled')).toBe(true);
  });

  it('refuses a timeout that is not a positive number of microseconds, leaving nothing loaded', async () => {
    const { ml } = runtime;
    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 1], bias: [0], activation: 'none' }] });
    const create = vi.spyOn(ort.InferenceSession, 'create');
    for (const bad of [0, -5, Number.NaN, '100']) {
      await expect(ml.serving.load({ bytes }, { batching: { queueTimeoutMicros: bad as number } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Invalid batching.queueTimeoutMicros') });
    }
    await expect(ml.serving.load({ bytes }, { batching: { maxBatchSize: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Invalid batching.maxBatchSize: 0') });
    // Checked before any session exists: nothing to release, nothing listed.
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
    expect(ml.serving.list()).toHaveLength(0);
    const model = await ml.serving.load({ bytes, name: 'timed' }, { batching: { queueTimeoutMicros: 1_000_000 } });
    expect(Array.from((await model.predict([[1, 2]])).Y!.data as Float32Array)).toEqual([3]);
  });
});
