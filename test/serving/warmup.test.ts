import { beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';
import { reshapeModel } from '../helpers/onnx-models.js';

describe('warmup at load', () => {
  const runtime = useEmbeddedRuntime();
  let ml: Mlops;
  let bytes: Uint8Array;
  beforeAll(async () => {
    ml = runtime.ml;
    bytes = await reshapeModel(); // X [batch, n] -> reshape [-1, 3]: zeros shaped [1, 1] cannot run
  });

  it('runs a real sample given as warmup: { inputs, count }, in any form predict() takes', async () => {
    const model = await ml.serving.load({ bytes, name: 'sample' }, { warmup: { inputs: { X: { data: [1, 2, 3, 4, 5, 6], dims: [1, 6] } }, count: 3 } });
    expect(Array.from((await model.predict({ X: { data: [1, 2, 3], dims: [1, 3] } })).Y!.data as Float32Array)).toEqual([1, 2, 3]);
    await model.close();
    await expect(ml.serving.load({ bytes, name: 'sample' }, { warmup: { inputs: { X: [[1, 2]] } } })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('did not run on the sample given (X [1, 2])'),
    });
  });

  it('sizes symbolic dimensions of the zero inputs with warmup: { dims }', async () => {
    const model = await ml.serving.load({ bytes, name: 'dims' }, { warmup: { dims: { n: 6 } } });
    expect(model.ready).toBe(true);
    await model.close();
    await expect(ml.serving.load({ bytes, name: 'dims' }, { warmup: { dims: { n: 4 } } })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('zeros shaped X [1, 4]') });
  });

  it('refuses a bad warmup option before a session exists, naming the field, and leaves nothing loaded', async () => {
    const bad = (field: string) => ({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`Invalid ${field}`) });
    await expect(ml.serving.load({ bytes, name: 'bad' }, { warmup: { dims: { sequence: 512 } } })).rejects.toMatchObject(bad('warmup.dims.sequence: the model has no symbolic dimension sequence (it has batch, n)'));
    await expect(ml.serving.load({ bytes, name: 'bad' }, { warmup: { dims: { n: 0 } } })).rejects.toMatchObject(bad('warmup.dims.n: 0'));
    await expect(ml.serving.load({ bytes, name: 'bad' }, { warmup: { inputs: { Q: [[1]] } } })).rejects.toMatchObject(bad('warmup.inputs.Q: the model has no input Q'));
    await expect(ml.serving.load({ bytes, name: 'bad' }, { warmup: { inputs: { X: [[1, 2, 3]] }, count: 0 } })).rejects.toMatchObject(bad('warmup.count: 0'));
    await expect(ml.serving.load({ bytes, name: 'bad' }, { warmup: 'yes' as never })).rejects.toMatchObject(bad('warmup: "yes"'));
    expect(ml.serving.list().some((m) => m.name === 'bad')).toBe(false);
  });

  it('keeps one run on zeros as the default and skips it with warmup: false', async () => {
    await expect(ml.serving.load({ bytes, name: 'default' })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/zeros shaped X \[1, 1\].*warmup: false/) });
    const cold = await ml.serving.load({ bytes, name: 'cold' }, { warmup: false });
    await cold.close();
  });
});
