import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import { prng } from '../../src/monitoring/profile.js';
import { sessionRunner } from '../../src/serving/ort.js';
import { tempDir } from '../helpers/services.js';

const IN = 4;
const HIDDEN = 8;
const OUT = 3;

function weights(seed: number, n: number): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => Math.round((r() * 2 - 1) * 1000) / 1000);
}
const W0 = weights(1, IN * HIDDEN);
const B0 = weights(2, HIDDEN);
const W1 = weights(3, HIDDEN * OUT);
const B1 = weights(4, OUT);

/** The same MLP in plain JavaScript, the reference the ONNX outputs are compared with. */
function reference(row: number[]): number[] {
  const h = Array.from({ length: HIDDEN }, (_, j) => Math.max(0, row.reduce((s, x, i) => s + x * (W0[i * HIDDEN + j] as number), 0) + (B0[j] as number)));
  return Array.from({ length: OUT }, (_, k) => h.reduce((s, x, j) => s + x * (W1[j * OUT + k] as number), 0) + (B1[k] as number));
}

function rows(seed: number, n: number): number[][] {
  const r = prng(seed);
  return Array.from({ length: n }, () => Array.from({ length: IN }, () => r() * 4 - 2));
}

function expectClose(actual: ArrayLike<unknown>, expected: number[][]): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((v, i) => expect(Math.abs((actual[i] as number) - v)).toBeLessThan(1e-4));
}

describe('serving ONNX models in process', () => {
  let ml: Mlops;
  let remove: () => Promise<void>;
  let bytes: Uint8Array;
  beforeAll(async () => {
    const dir = await tempDir();
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {} });
    bytes = await buildMlp({ inputSize: IN, layers: [{ weights: W0, bias: B0, activation: 'relu' }, { weights: W1, bias: B1, activation: 'none' }] });
  });
  afterAll(async () => {
    await ml.close();
    await remove();
  });

  it('predicts what a JavaScript reference computes, for every input form', async () => {
    const model = await ml.serving.load({ bytes, name: 'mlp' });
    expect(model).toMatchObject({ name: 'mlp', provider: 'cpu', version: null });
    const data = rows(10, 20);
    const out = await model.predict(data);
    expect(out.Y).toMatchObject({ dims: [20, OUT], type: 'float32' });
    expectClose(out.Y!.data, data.map(reference));
    expectClose((await model.predict(Float32Array.from(data.flat()))).Y!.data, data.map(reference));
    expectClose((await model.predict(Float64Array.from(data.flat()))).Y!.data, data.map(reference));
    expectClose((await model.predict({ X: { data: data.flat(), dims: [20, IN] } })).Y!.data, data.map(reference));
    expectClose((await model.predict({ X: new ort.Tensor('float32', Float32Array.from(data.flat()), [20, IN]) })).Y!.data, data.map(reference));
    expectClose((await model.predict({ X: data.slice(0, 1) })).Y!.data, [reference(data[0]!)]);
  });

  it('runs the same model in a worker thread with the same outputs', async () => {
    const worker = await ml.serving.load({ bytes, name: 'in-worker' }, { mode: 'worker', batching: { maxBatchSize: 64, maxDelayMicros: 500 } });
    const requests = Array.from({ length: 32 }, (_, i) => rows(300 + i, 1 + (i % 4)));
    const results = await Promise.all(requests.map((r) => worker.predict(r)));
    results.forEach((out, i) => expectClose(out.Y!.data, requests[i]!.map(reference)));
    expect(worker.stats.batches).toBeLessThan(32);
    await expect(ml.serving.load({ bytes }, { mode: 'remote' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('mode') });
    await worker.close();
  });

  it('names the input and the problem when inputs do not fit the signature', async () => {
    const model = await ml.serving.load({ bytes, name: 'strict' });
    const bad = { code: 'INVALID_ARGUMENT' };
    await expect(model.predict([[1, 2, 3]])).rejects.toMatchObject({ ...bad, message: expect.stringMatching(/inputs\.X.*dimension 1 is 3, the model expects 4/) });
    await expect(model.predict([[1, 2, 3, 4], [1, 2]])).rejects.toMatchObject({ ...bad, message: expect.stringContaining('inputs.X[1]') });
    await expect(model.predict({ Z: [[1, 2, 3, 4]] })).rejects.toMatchObject({ ...bad, message: expect.stringContaining('has no input Z') });
    await expect(model.predict({})).rejects.toMatchObject({ ...bad, message: 'Invalid inputs.X: is missing' });
    await expect(model.predict([[1, 2, 'x', 4]] as never)).rejects.toMatchObject({ ...bad, message: expect.stringContaining('inputs.X[0][2]: expected a float32 number, got "x"') });
    await expect(model.predict(new Float32Array(0))).rejects.toMatchObject({ ...bad, message: expect.stringContaining('inputs.X: has 0 values') });
    await expect(model.predict(new Float32Array(7))).rejects.toMatchObject({ ...bad, message: expect.stringContaining('not a whole number of rows of 4') });
    await expect(model.predict({ X: { data: [1, 2, 3], dims: [1, 4] } })).rejects.toMatchObject({ ...bad, message: expect.stringContaining('need 4 values') });
    await expect(model.predict({ X: new ort.Tensor('int32', new Int32Array(4), [1, 4]) })).rejects.toMatchObject({ ...bad, message: expect.stringContaining('int32 tensor') });
  });

  it('batches concurrent callers and gives each its own rows back', async () => {
    const served = await ml.serving.load({ bytes, name: 'batched' }, { batching: { maxBatchSize: 256, maxDelayMicros: 2000 } });
    const requests = Array.from({ length: 64 }, (_, i) => rows(100 + i, 1 + (i % 3)));
    const results = await Promise.all(requests.map((r) => served.predict(r)));
    results.forEach((out, i) => {
      expect(out.Y!.dims).toEqual([requests[i]!.length, OUT]);
      expectClose(out.Y!.data, requests[i]!.map(reference));
    });
    expect(served.stats.requests).toBe(64);
    expect(served.stats.batches).toBeLessThan(16);
  });

  it('answers every request accepted before close(), then refuses new ones', async () => {
    for (const maxDelayMicros of [0, 2000]) {
      const model = await ml.serving.load({ bytes, name: `closing-${maxDelayMicros}` }, { batching: { maxDelayMicros, maxBatchSize: 4 } });
      const requests = Array.from({ length: 20 }, (_, i) => rows(500 + i, 1));
      const pending = requests.map((r) => model.predict(r));
      const closed = model.close();
      await expect(model.predict(requests[0]!)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('is closed') });
      const results = await Promise.all(pending);
      results.forEach((out, i) => expectClose(out.Y!.data, requests[i]!.map(reference)));
      await closed;
      await model.close(); // again: the same close
      expect(ml.serving.list()).not.toContain(model);
    }
  });

  it('answers UNAVAILABLE when the queue is full instead of growing without bound', async () => {
    const model = await ml.serving.load({ bytes, name: 'small-queue' }, { batching: { maxBatchSize: 4, maxQueueRows: 8, maxDelayMicros: 5000 } });
    const data = rows(7, 1);
    const settled = await Promise.allSettled(Array.from({ length: 100 }, () => model.predict(data)));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    const fulfilled = settled.filter((s) => s.status === 'fulfilled');
    expect(rejected.length).toBeGreaterThan(0);
    expect(fulfilled.length).toBeGreaterThan(0);
    expect(rejected.every((r) => (r.reason as { code?: string }).code === 'UNAVAILABLE')).toBe(true);
    await expect(ml.serving.load({ bytes }, { batching: { maxBatchSize: 8, maxQueueRows: 4 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('maxQueueRows') });
  });

  it('falls back along the execution providers with a warning, and refuses unknown ones', async () => {
    const warnings: string[] = [];
    const off = ml.events.on('warning', (w) => warnings.push(w.message));
    const model = await ml.serving.load({ bytes, name: 'gpu-first' }, { executionProviders: ['cuda', 'webgpu', 'cpu'] });
    off();
    expect(['cuda', 'webgpu', 'cpu']).toContain(model.provider);
    if (model.provider === 'cpu') expect(warnings.some((w) => w.includes('cuda is not available'))).toBe(true);
    expectClose((await model.predict(rows(3, 2))).Y!.data, rows(3, 2).map(reference));
    await expect(ml.serving.load({ bytes }, { executionProviders: ['tpu' as never] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('executionProviders[0]') });
  });

  it('runs onnxruntime-node sessions through their backend handler, anything else through run(), with equal outputs', async () => {
    const session = await ort.InferenceSession.create(bytes);
    const feeds = () => ({ X: new ort.Tensor('float32', Float32Array.from(rows(21, 3).flat()), [3, IN]) });
    const direct = sessionRunner(session);
    // If this fails after an onnxruntime upgrade, serving still works through run(), 0.4 µs slower per call.
    expect((direct as { direct?: boolean }).direct).toBe(true);
    const viaRun = sessionRunner({ run: (f: Record<string, ort.Tensor>) => session.run(f) } as unknown as ort.InferenceSession);
    expect((viaRun as { direct?: boolean }).direct).toBe(false);
    const [a, b] = [await direct(feeds()), await viaRun(feeds())];
    expect(Object.keys(a)).toEqual(['Y']);
    expect(Array.from(a.Y!.data as Float32Array)).toEqual(Array.from(b.Y!.data as Float32Array));
    expectClose(a.Y!.data, rows(21, 3).map(reference));
    await expect(direct({ X: new ort.Tensor('float32', new Float32Array(3), [1, 3]) })).rejects.toThrow(/dimensions/);
    await session.release();
  });

  it('names bad session options, and gives worker mode a thread count that leaves the caller a core', async () => {
    const bad = (message: string) => ({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
    const loaded = ml.serving.list().length;
    await expect(ml.serving.load({ bytes }, { intraOpThreads: -1 })).rejects.toMatchObject(bad('Invalid intraOpThreads: -1'));
    await expect(ml.serving.load({ bytes }, { interOpThreads: 1.5 })).rejects.toMatchObject(bad('Invalid interOpThreads: 1.5'));
    await expect(ml.serving.load({ bytes }, { graphOptimizationLevel: 'max' as never })).rejects.toMatchObject(bad('Invalid graphOptimizationLevel: "max"'));
    expect(ml.serving.list()).toHaveLength(loaded); // nothing half-loaded left behind
    const one = await ml.serving.load({ bytes, name: 'one-thread' }, { mode: 'worker', intraOpThreads: 1 });
    expectClose((await one.predict(rows(5, 3))).Y!.data, rows(5, 3).map(reference));
    await one.close();
  });

  it('serves registry versions: approved only, checksum verified', async () => {
    const author = ml.as({ id: 'alice', roles: ['data-scientist'] });
    const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
    await author.registry.createRegisteredModel({ name: 'served' });
    await author.registry.createModelVersion({ name: 'served', source: { bytes } });
    await expect(ml.serving.load('served/1')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('draft') });
    const draft = await ml.serving.load('served/1', { allowUnapproved: true });
    expect(draft.version).toBe(1);
    await author.registry.requestApproval('served', 1);
    await reviewer.registry.approve('served', 1);
    await author.registry.setAlias('served', 'champion', 1);
    const champion = await ml.serving.load('served@champion');
    expect(champion).toMatchObject({ name: 'served', version: 1 });
    expectClose((await champion.predict(rows(9, 3))).Y!.data, rows(9, 3).map(reference));
    const resolved = await ml.registry.resolve('served/1');
    const corrupted = Buffer.from(bytes);
    corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 1, corrupted.length - 1);
    await ml.stores.artifacts.put(resolved.artifactKey, corrupted);
    await expect(ml.serving.load('served@champion')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('sha256') });
    await expect(ml.as({ id: 'nobody', roles: [] }).serving.load('served@champion')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('exports metrics per model and feeds a drift monitor with named columns', async () => {
    const reference = { ret: rows(40, 500).map((r) => r[0]!), vol: rows(41, 500).map((r) => r[1]!), a: rows(42, 500).map((r) => r[2]!), b: rows(43, 500).map((r) => r[3]!) };
    const monitor = ml.monitoring.monitor('monitored', { reference });
    const model = await ml.serving.load({ bytes, name: 'monitored' }, { monitor: { monitor, featureNames: ['ret', 'vol', 'a', 'b'] } });
    for (let i = 0; i < 5; i++) await model.predict(rows(50 + i, 20));
    expect(monitor.windowRows).toBe(100);
    expect(monitor.dataQuality().ret?.rows).toBe(100);
    const text = await ml.metrics.text();
    expect(text).toContain('mlops_predictions_total{model="monitored",version="file",route="default"} 5');
    expect(text).toMatch(/mlops_prediction_duration_seconds_bucket\{le="0.00005",model="monitored"/);
    expect(text).toContain('mlops_batch_size_count{model="monitored",version="file"}');
  });

  it('joins features from the online store for predict({ entities }), with a policy for missing values', async () => {
    await ml.features.apply({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'mx', entities: ['instrument'], ttl: '1h', schema: { a: 'float64', b: 'float64', c: 'float64', d: 'float64' } }],
      services: [{ name: 'mlp-v1', features: ['mx:a', 'mx:b', 'mx:c', 'mx:d'] }],
    });
    const now = Date.now();
    await ml.features.push('mx', [{ symbol: 'AAPL', event_ts: now, a: 0.5, b: -1, c: 1.5, d: 0.25 }, { symbol: 'MSFT', event_ts: now, a: 1, b: 1 }], { to: 'online' });
    const strict = await ml.serving.load({ bytes, name: 'joined' }, { features: { service: 'mlp-v1' } });
    const out = await strict.predict({ entities: [{ symbol: 'AAPL' }] });
    expectClose(out.Y!.data, [reference([0.5, -1, 1.5, 0.25])]);
    await expect(strict.predict({ entities: [{ symbol: 'MSFT' }] })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('mx:c of entities[0] is NOT_FOUND') });
    const lenient = await ml.serving.load({ bytes, name: 'joined-defaults' }, { features: { service: 'mlp-v1', missing: 'default', defaults: { 'mx:c': 0, 'mx:d': 0 } } });
    expectClose((await lenient.predict({ entities: [{ symbol: 'MSFT' }, { symbol: 'AAPL' }] })).Y!.data, [reference([1, 1, 0, 0]), reference([0.5, -1, 1.5, 0.25])]);
    await expect(ml.serving.load({ bytes }, { features: { missing: 'guess' as never, service: 'mlp-v1' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('logs sampled predictions to SQL or a callback', async () => {
    const seen: number[] = [];
    const viaCallback = await ml.serving.load({ bytes, name: 'logged-cb' }, { log: { sampleRate: 1, to: (r) => seen.push(r.outputs.Y!.data.length) } });
    await viaCallback.predict(rows(70, 3));
    expect(seen).toEqual([3 * OUT]);
    const viaSql = await ml.serving.load({ bytes, name: 'logged-sql' }, { log: { sampleRate: 1 } });
    await viaSql.predict(rows(71, 2));
    await viaSql.predict(rows(72, 1));
    await new Promise((r) => setTimeout(r, 20));
    const logged = await ml.stores.metadata.query<{ model: string; inputs_json: string; latency_us: number }>("SELECT model, inputs_json, latency_us FROM serving_predictions WHERE model = 'logged-sql' ORDER BY id");
    expect(logged).toHaveLength(2);
    expect(JSON.parse(logged[0]!.inputs_json).X.dims).toEqual([2, IN]);
    expect(logged[0]!.latency_us).toBeGreaterThan(0);
    await expect(ml.serving.load({ bytes }, { log: { sampleRate: 2 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('log.sampleRate') });
  });

  it('refuses non-tensor outputs (ZipMap) at load with a message that says how to export', async () => {
    const mod = (await import('onnx-proto')) as unknown as { onnx: { ModelProto: { create(v: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } } } };
    const { onnx } = mod;
    const zipmap = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          name: 'g',
          input: [{ name: 'X', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 4 }] } } } }],
          output: [{ name: 'probabilities', type: { sequenceType: { elemType: { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } } } } }],
        },
      }),
    ).finish();
    await expect(ml.serving.load({ bytes: zipmap })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/seq\(map\(int64,tensor\(float32\)\)\).*zipmap/i) });
  });
});
