import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createMlops, outputData, type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { tempDir } from '../helpers/services.js';

describe('outputData: an output typed by its element type', () => {
  let ml: Mlops;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const dir = await tempDir('mlops-outdata-');
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {} });
  });
  afterAll(async () => {
    await ml.close();
    await remove();
  });

  it('gives a Float32Array for a float32 output, so data[0] is a number, and refuses the wrong type', async () => {
    const model = await ml.serving.load({ bytes: await buildLogisticRegression([1, -1], 0), name: 'lr' });
    const out = await model.predict([[0.5, 0.25]]);
    const y = outputData(out.Y, 'float32', 'Y');
    expectTypeOf(y).toEqualTypeOf<Float32Array>();
    expectTypeOf(y[0]).toEqualTypeOf<number | undefined>();
    expect(y).toBeInstanceOf(Float32Array);
    expect(y[0]).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 6);
    expect(() => outputData(out.Y, 'int64', 'Y')).toThrow(/Invalid Y: it is float32 \(Float32Array\), not int64/);
    expect(() => outputData(out.Nope, 'float32', 'Nope')).toThrow(/Invalid Nope: the model has no such output/);
  });
});
