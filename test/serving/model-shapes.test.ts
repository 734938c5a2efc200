import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Mlops } from '../../src/index.js';
import { prng } from '../../src/monitoring/profile.js';
import { readOnnxSignature } from '../../src/onnx/index.js';
import type { TensorSpec } from '../../src/registry/types.js';
import { batchLayout } from '../../src/serving/batch-axis.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';
import { batchSecondModel, fixedShapeModel, intBoolModel, outputBatchSecondModel, scalarInputModel, statefulModel, threeDModel } from '../helpers/onnx-models.js';

type Feed = { type: string; data: Float32Array | BigInt64Array | Uint8Array; dims: number[] };

/** One request of `rows` rows for a signature: symbolic dims other than the batch get `other`, scalars one of two values. */
function request(specs: TensorSpec[], batchDim: string, rows: number, seed: number, other: number): Record<string, Feed> {
  const r = prng(seed);
  const feeds: Record<string, Feed> = {};
  for (const spec of specs) {
    const dims = (spec.shape ?? []).map((d) => (d === batchDim ? rows : typeof d === 'number' ? d : other));
    const size = dims.reduce((a, b) => a * b, 1);
    const type = spec.elementType as string;
    if (dims.length === 0) feeds[spec.name] = { type, data: Float32Array.of(seed % 2 === 0 ? 2 : 3), dims };
    else if (type === 'int64') feeds[spec.name] = { type, data: BigInt64Array.from({ length: size }, () => BigInt(Math.floor(r() * 200) - 100)), dims };
    else if (type === 'bool') feeds[spec.name] = { type, data: Uint8Array.from({ length: size }, () => (r() < 0.5 ? 1 : 0)), dims };
    else feeds[spec.name] = { type, data: Float32Array.from({ length: size }, () => Math.round((r() * 4 - 2) * 1000) / 1000), dims };
  }
  return feeds;
}

function expectSame(actual: Record<string, { data: ArrayLike<unknown>; dims: number[]; type: string }>, expected: ort.InferenceSession.ReturnType): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name]!;
    expect(got.dims, name).toEqual([...want.dims]);
    expect(got.type, name).toBe(want.type);
    const a = Array.from(got.data as ArrayLike<number | bigint>, Number);
    const b = Array.from(want.data as ArrayLike<number | bigint>, Number);
    expect(a.length, name).toBe(b.length);
    a.forEach((v, i) => expect(Math.abs(v - (b[i] as number)), `${name}[${i}]`).toBeLessThan(1e-5));
  }
}

const corpus: Array<[string, () => Promise<Uint8Array>, Record<string, number>, Record<string, number>]> = [
  // name, model, expected input batch axes, expected output batch axes
  ['multi-input with a scalar input', scalarInputModel, { X: 0, s: -1 }, { Y: 0 }],
  ['batch axis second', batchSecondModel, { X: 1 }, { Y: 1, Z: 0 }],
  ['three-dimensional inputs', threeDModel, { X: 0 }, { Y: 0 }],
  ['int64 and bool inputs', intBoolModel, { I: 0, B: 0 }, { Y: 0, K: 0 }],
  ['an output with the batch axis second', outputBatchSecondModel, { X: 0 }, { Y: 1 }],
  ['a recurrent state [layers, batch, hidden] with a sequence and a scalar', statefulModel, { x: 0, h: 1, sr: -1 }, { y: 0, hn: 1 }],
];

describe('any model shape: batch axes from the signature', () => {
  const runtime = useEmbeddedRuntime();
  let ml: Mlops;
  beforeAll(() => {
    ml = runtime.ml;
  });

  for (const [label, build, inputAxes, outputAxes] of corpus) {
    it(`${label}: batched and unbatched predict() equal raw session.run under 16 callers with mixed sizes`, async () => {
      const bytes = await build();
      const signature = await readOnnxSignature(bytes);
      const layout = batchLayout(signature);
      expect(layout).toMatchObject({ dim: 'batch', inputs: inputAxes, outputs: outputAxes, refusal: undefined });
      const raw = await ort.InferenceSession.create(bytes);
      const batched = await ml.serving.load({ bytes, name: `${label}-batched` }, { batching: { maxBatchSize: 64, maxDelayMicros: 2000 } });
      const alone = await ml.serving.load({ bytes, name: `${label}-alone` }, { batching: { maxBatchSize: 1 } });
      // 16 callers, 3 requests each, 1 to 4 rows; two sequence lengths and two scalar values, so some requests cannot share a run.
      const requests = Array.from({ length: 16 }, (_, c) => Array.from({ length: 3 }, (_, k) => request(signature.inputs, 'batch', 1 + ((c + k) % 4), 100 * c + k, 2 + (c % 2))));
      for (const model of [batched, alone]) {
        const results = await Promise.all(requests.map(async (mine) => Promise.all(mine.map((feeds) => model.predict(feeds as never)))));
        for (let c = 0; c < 16; c++) {
          for (let k = 0; k < 3; k++) {
            const feeds = requests[c]![k]!;
            const expected = await raw.run(Object.fromEntries(Object.entries(feeds).map(([n, f]) => [n, new ort.Tensor(f.type as 'float32', f.data as Float32Array, f.dims)])));
            expectSame(results[c]![k]!, expected);
          }
        }
      }
      expect(alone.stats.batches).toBe(48);
      expect(batched.stats.batches).toBeLessThan(48);
      await Promise.all([batched.close(), alone.close(), raw.release()]);
    });
  }

  it('runs a stateful model fed its own state back, batched with other callers, as raw session.run does', async () => {
    const bytes = await statefulModel();
    const raw = await ort.InferenceSession.create(bytes);
    const model = await ml.serving.load({ bytes, name: 'stateful-loop' }, { batching: { maxBatchSize: 64, maxDelayMicros: 2000 } });
    const signature = model.signature;
    const callers = await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        let state: Feed = request(signature.inputs, 'batch', 1 + (c % 3), c, 4).h!;
        let rawState: ort.Tensor = new ort.Tensor('float32', state.data as Float32Array, state.dims);
        for (let step = 0; step < 5; step++) {
          const feeds: Record<string, Feed> = { ...request(signature.inputs, 'batch', 1 + (c % 3), 1000 * c + step, 4), h: state };
          const out = await model.predict(feeds as never);
          const expected = await raw.run({ x: new ort.Tensor('float32', feeds.x!.data as Float32Array, feeds.x!.dims), h: rawState, sr: new ort.Tensor('float32', feeds.sr!.data as Float32Array, []) });
          expectSame(out, expected);
          state = { type: 'float32', data: out.hn!.data as Float32Array, dims: out.hn!.dims };
          rawState = expected.hn!;
        }
        return true;
      }),
    );
    expect(callers.every(Boolean)).toBe(true);
    expect(model.stats.batches).toBeLessThan(40);
    await Promise.all([model.close(), raw.release()]);
  });

  it('accepts the recurrent model a single request at a time, checking rows along each input\'s own batch axis', async () => {
    const model = await ml.serving.load({ bytes: await statefulModel(), name: 'rnn' });
    const out = await model.predict({ x: { data: [1, 2, 3], dims: [1, 3] }, h: { data: new Float32Array(8), dims: [2, 1, 4] }, sr: 2 });
    expect(out.hn).toMatchObject({ dims: [2, 1, 4] });
    expect(Array.from(out.hn!.data as Float32Array)).toEqual(new Array(8).fill(12));
    await expect(model.predict({ x: { data: [1, 2, 3], dims: [1, 3] }, h: { data: new Float32Array(16), dims: [2, 2, 4] }, sr: 2 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('inputs.h: has 2 rows along its batch axis 1 (shape [2, batch, 4]), input x has 1'),
    });
    await model.close();
  });

  it('refuses batching options for a model with no batch axis, naming the input and its shape, and serves it unbatched without them', async () => {
    const bytes = await fixedShapeModel();
    await expect(ml.serving.load({ bytes, name: 'fixed' }, { batching: { maxBatchSize: 8 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('no input has a symbolic batch dimension (X [1, 4])'),
    });
    expect(ml.serving.list().some((m) => m.name === 'fixed')).toBe(false);
    const model = await ml.serving.load({ bytes, name: 'fixed' });
    const outs = await Promise.all([1, 2, 3, 4].map((v) => model.predict([[v, v, v, v]])));
    outs.forEach((o, i) => expect(Array.from(o.Y!.data as Float32Array)).toEqual(new Array(4).fill(2 * (i + 1))));
    expect(model.stats).toMatchObject({ batches: 4, requests: 4 });
    await model.close();
  });
});
