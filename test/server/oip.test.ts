import { describe, expect, it } from 'vitest';
import { type Mlops, type ServedModel } from '../../src/index.js';
import { buildLogisticRegression, buildMlp } from '../../src/testing/index.js';
import { boolModel, int64Model, multiInputModel, stringModel } from '../helpers/onnx-models.js';
import { useServer } from './http-client.js';

const IN = 4;
const W0 = Array.from({ length: IN * 6 }, (_, i) => ((i * 37) % 11) / 10 - 0.5);
const W1 = Array.from({ length: 6 * 2 }, (_, i) => ((i * 13) % 7) / 7 - 0.4);

async function approve(ml: Mlops, name: string, version: number): Promise<void> {
  await ml.as({ id: 'quant', roles: ['data-scientist'] }).registry.requestApproval(name, version);
  await ml.as({ id: 'risk', roles: ['reviewer'] }).registry.approve(name, version);
}

describe('Open Inference Protocol v2 over ml.serving', () => {
  let mlp: ServedModel;
  const fixture = useServer({}, async (ml) => {
    const bytes = await buildMlp({ inputSize: IN, layers: [{ weights: W0, bias: [0, 0.1, 0, 0.1, 0, 0.1], activation: 'relu' }, { weights: W1, bias: [0.05, -0.05], activation: 'none' }] });
    mlp = await ml.serving.load({ bytes, name: 'mlp' }, { batching: { maxDelayMicros: 500 } });
    await ml.serving.load({ bytes: await multiInputModel(), name: 'multi' });
    await ml.serving.load({ bytes: await int64Model(), name: 'ints' });
    await ml.serving.load({ bytes: await boolModel(), name: 'flags' });
    await ml.serving.load({ bytes: await stringModel(), name: 'echo' });
  });
  const { call } = fixture;

  it('answers health, server metadata and model metadata', async () => {
    expect((await call('GET', '/v2/health/live')).body).toEqual({ live: true });
    expect((await call('GET', '/v2/health/ready')).body).toEqual({ ready: true });
    expect((await call('GET', '/v2')).body).toMatchObject({ name: '@trademaster/mlops', version: expect.any(String), extensions: ['binary_tensor_data'] });
    expect((await call('GET', '/v2/models/mlp')).body).toEqual({
      name: 'mlp',
      versions: [],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, IN] }],
      outputs: [{ name: 'Y', datatype: 'FP32', shape: [-1, 2] }],
    });
    expect((await call('GET', '/v2/models/ints')).body.inputs).toEqual([{ name: 'I', datatype: 'INT64', shape: [-1, 2] }]);
    expect((await call('GET', '/v2/models/mlp/ready')).body).toEqual({ name: 'mlp', ready: true });
    expect(await call('GET', '/v2/models/nope')).toMatchObject({ status: 404, body: { error: expect.stringContaining('nope') } });
  });

  it('infers the same outputs as in-process predict, with nested or flat data, id echoed, request parameters not echoed', async () => {
    const rows = [[0.1, 0.2, 0.3, 0.4], [1, -1, 0.5, 2], [-0.3, 0.7, 0, 1.5]];
    const expected = Array.from((await mlp.predict(rows)).Y!.data as Float32Array);
    const nested = await call('POST', '/v2/models/mlp/infer', { id: 'req-7', inputs: [{ name: 'X', shape: [3, IN], datatype: 'FP32', data: rows }] });
    expect(nested.status).toBe(200);
    // A model loaded from a file has no version: model_version is left out, never "".
    expect(nested.body).toEqual({ model_name: 'mlp', id: 'req-7', outputs: [{ name: 'Y', datatype: 'FP32', shape: [3, 2], data: expected }] });
    const flat = await call('POST', '/v2/models/mlp/infer', { inputs: [{ name: 'X', shape: [3, IN], datatype: 'FP32', data: rows.flat() }], outputs: [{ name: 'Y' }], parameters: { trace: true } });
    expect(flat.body.outputs[0].data).toEqual(expected);
    // The response's parameters are the server's: the request's are not echoed back.
    expect(flat.body.parameters).toBeUndefined();
    // Concurrent HTTP callers share the dynamic batcher.
    const before = mlp.stats.batches;
    const many = await Promise.all(Array.from({ length: 32 }, () => call('POST', '/v2/models/mlp/infer', { inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP32', data: rows[0] }] })));
    expect(many.every((r) => r.status === 200 && r.body.outputs[0].data[0] === expected[0])).toBe(true);
    expect(mlp.stats.batches - before).toBeLessThan(32);
  });

  it('takes several inputs and INT64 tensors', async () => {
    const multi = await call('POST', '/v2/models/multi/infer', {
      inputs: [
        { name: 'A', shape: [1, 2], datatype: 'FP32', data: [1, 0] },
        { name: 'B', shape: [1, 3], datatype: 'FP32', data: [0, 0, 1] },
      ],
    });
    expect(multi.body.outputs).toEqual([{ name: 'Y', datatype: 'FP32', shape: [1, 1], data: [6] }]);
    const ints = await call('POST', '/v2/models/ints/infer', { inputs: [{ name: 'I', shape: [2, 2], datatype: 'INT64', data: [[3, 4], [-2, 1]] }] });
    expect(ints.body.outputs).toEqual([{ name: 'S', datatype: 'INT64', shape: [2, 1], data: [43, 8] }]);
  });

  it('takes BOOL and BYTES tensors', async () => {
    expect((await call('GET', '/v2/models/flags')).body.inputs).toEqual([{ name: 'B', datatype: 'BOOL', shape: [-1, 2] }]);
    const flags = await call('POST', '/v2/models/flags/infer', { inputs: [{ name: 'B', shape: [3, 2], datatype: 'BOOL', data: [[true, false], [false, true], [true, true]] }] });
    expect(flags.body.outputs).toEqual([{ name: 'Y', datatype: 'FP32', shape: [3, 1], data: [1, 2, 3] }]);
    const badBool = await call('POST', '/v2/models/flags/infer', { inputs: [{ name: 'B', shape: [1, 2], datatype: 'BOOL', data: [true, 'yes'] }] });
    expect(badBool).toMatchObject({ status: 400, body: { error: expect.stringContaining('B[1]') } });
    const echo = await call('POST', '/v2/models/echo/infer', { inputs: [{ name: 'S', shape: [2, 1], datatype: 'BYTES', data: ['EURUSD', 'GBPUSD'] }] });
    expect(echo.body.outputs).toEqual([{ name: 'T', datatype: 'BYTES', shape: [2, 1], data: ['EURUSD', 'GBPUSD'] }]);
    const badBytes = await call('POST', '/v2/models/echo/infer', { inputs: [{ name: 'S', shape: [1, 1], datatype: 'BYTES', data: [42] }] });
    expect(badBytes).toMatchObject({ status: 400, body: { error: expect.stringContaining('S[0]') } });
  });

  it('names what is wrong in a bad request', async () => {
    const infer = (body: unknown) => call('POST', '/v2/models/mlp/infer', body);
    const cases: Array<[unknown, string]> = [
      [{ inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP64', data: [1, 2, 3, 4] }] }, 'inputs[0].datatype'],
      [{ inputs: [{ name: 'Z', shape: [1, IN], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'no input "Z"'],
      [{ inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP32', data: [1, 2, 3] }] }, '3 values for shape [1, 4]'],
      [{ inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, 'dimension 1 is 3'],
      [{ inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP32', data: [1, 'a', 3, 4] }] }, 'X[1]'],
      [{ inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'P' }] }, 'outputs[0].name'],
      [{ inputs: [] }, 'Invalid inputs'],
      [{ id: 5, inputs: [{ name: 'X', shape: [1, IN], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'Invalid id'],
    ];
    for (const [body, text] of cases) {
      const r = await infer(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toContain(text);
    }
    const malformed = await call('POST', '/v2/models/mlp/infer', '{"inputs": [', { 'content-type': 'application/json' });
    expect(malformed).toMatchObject({ status: 400, body: { error: expect.stringContaining('Malformed JSON') } });
    const ints = await call('POST', '/v2/models/ints/infer', { inputs: [{ name: 'I', shape: [1, 2], datatype: 'INT64', data: [1.5, 2] }] });
    expect(ints.body.error).toContain('I[0]');
  });

  it('serves registry versions by path, caches deterministic answers and drops them on a hot swap', async () => {
    await fixture.ml.registry.createRegisteredModel({ name: 'signal' });
    for (const w of [1, -1]) {
      const v = await fixture.ml.registry.createModelVersion({ name: 'signal', source: { bytes: await buildLogisticRegression([w, 0], 0) } });
      await approve(fixture.ml, 'signal', v.version);
    }
    await fixture.ml.registry.setAlias('signal', 'champion', 1);
    const model = await fixture.ml.serving.load('signal@champion', { deterministic: true, followIntervalMs: 50 });
    const body = { inputs: [{ name: 'X', shape: [1, 2], datatype: 'FP32', data: [2, 0] }] };
    const first = await call('POST', '/v2/models/signal/versions/1/infer', body);
    expect(first.body).toMatchObject({ model_name: 'signal', model_version: '1' });
    const p1 = first.body.outputs[0].data[0] as number;
    expect(p1).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    const batchesBefore = model.stats.batches;
    const hitsBefore = fixture.server.cache!.hits;
    const again = await call('POST', '/v2/models/signal/infer', { ...body, id: 'again' });
    expect(again.body).toMatchObject({ id: 'again', outputs: [{ data: [p1] }] });
    expect(fixture.server.cache!.hits).toBe(hitsBefore + 1);
    expect(model.stats.batches).toBe(batchesBefore);
    expect((await call('POST', '/v2/models/signal/versions/2/infer', body)).status).toBe(404);

    const swapped = new Promise<void>((resolve) => model.on('swap', () => resolve()));
    await fixture.ml.registry.setAlias('signal', 'champion', 2);
    await swapped;
    const after = await call('POST', '/v2/models/signal/infer', body);
    expect(after.body.model_version).toBe('2');
    expect(after.body.outputs[0].data[0]).toBeCloseTo(1 / (1 + Math.exp(2)), 5);
    expect((await call('GET', '/v2/models/signal')).body.versions).toEqual(['2']);
  });
});
