import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../src/testing/index.js';
import type { SwapEvent } from '../../src/index.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';
import { multiInputModel } from '../helpers/onnx-models.js';

// y = 1*a + 10*b + 100*c: which value went to which column shows in the output.
const W = [1, 10, 100];
const model = () => buildMlp({ inputSize: 3, layers: [{ weights: W, bias: [0], activation: 'none' }] });
const bad = (message: string) => ({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });

describe('column names: records in, MLflow-style column signatures', () => {
  const runtime = useEmbeddedRuntime();

  it('stores column names with a registry version, refusing names that do not fit the input', async () => {
    const { ml } = runtime;
    await ml.registry.createRegisteredModel({ name: 'cols' });
    const bytes = await model();
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: ['a', 'b'] })).rejects.toMatchObject(bad('Invalid columns: input X has 3 values per row, 2 names given'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: ['a', 'b', 'a'] })).rejects.toMatchObject(bad('Invalid columns[2]: "a" appears twice'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: ['a', '', 'c'] })).rejects.toMatchObject(bad('Invalid columns[1]'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: { Z: ['a', 'b', 'c'] } })).rejects.toMatchObject(bad('Invalid columns.Z: the model has no input Z'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: 'abc' as never })).rejects.toMatchObject(bad('Invalid columns'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes }, format: 'opaque', columns: ['a', 'b', 'c'] })).rejects.toMatchObject(bad('opaque'));
    await expect(ml.registry.createModelVersion({ name: 'cols', source: { bytes: await multiInputModel() }, columns: ['a', 'b'] })).rejects.toMatchObject(bad('the model has 2 inputs (A, B)'));
    // None of the refused calls left a version behind.
    expect(await ml.registry.searchModelVersions({ filter: "name = 'cols'" })).toMatchObject({ modelVersions: [] });
    const v1 = await ml.registry.createModelVersion({ name: 'cols', source: { bytes }, columns: ['a', 'b', 'c'] });
    expect(v1.version).toBe(1);
    expect(v1.signature?.inputs[0]?.columns).toEqual(['a', 'b', 'c']);
    expect((await ml.registry.getModelVersion('cols', 1)).signature?.inputs[0]?.columns).toEqual(['a', 'b', 'c']);
  });

  it('predicts from records keyed by column name, and names the record and column of a bad one', async () => {
    const { ml } = runtime;
    const served = await ml.serving.load('cols/1', { allowUnapproved: true, follow: false });
    const out = await served.predict([{ c: 3, a: 1, b: 2 }, { a: 0.5, b: 0, c: 0 }]);
    expect(Array.from(out.Y!.data as Float32Array)).toEqual([321, 0.5]);
    await expect(served.predict([{ a: 1, b: 2, c: 3 }, { a: 1, b: 2 }])).rejects.toMatchObject(bad('Invalid inputs[1].c: is missing (the model reads a, b, c)'));
    await expect(served.predict([{ a: 1, b: 2, c: 3, d: 4 }])).rejects.toMatchObject(bad('Invalid inputs[0].d: the model has no column d (columns: a, b, c)'));
    await expect(served.predict([{ a: 1, b: '2', c: 3 }])).rejects.toMatchObject(bad('Invalid inputs[0].b: expected a float32 value, got "2"'));
    await expect(served.predict([{ a: 1, b: 2, c: 3 }, 7 as never])).rejects.toMatchObject(bad('Invalid inputs[1]: expected a record'));
    // Rows still work beside records.
    expect(Array.from((await served.predict([[1, 2, 3]])).Y!.data as Float32Array)).toEqual([321]);
    // A model without column names says how to give them.
    const plain = await ml.serving.load({ bytes: await model(), name: 'plain' });
    await expect(plain.predict([{ a: 1, b: 2, c: 3 }])).rejects.toMatchObject(bad('Invalid inputs.X: has no column names'));
  });

  it('takes column names at load for a file or bytes, and fills several inputs from one record', async () => {
    const { ml } = runtime;
    // A drift monitor on the model sees the columns by name without being told them again.
    const monitor = ml.monitoring.monitor('named', { reference: { x: [0, 1, 2], y: [0, 1, 2], z: [0, 1, 2] } });
    const named = await ml.serving.load({ bytes: await model(), name: 'named' }, { columns: ['x', 'y', 'z'], monitor: { monitor } });
    expect(Array.from((await named.predict([{ x: 1, y: 1, z: 1 }])).Y!.data as Float32Array)).toEqual([111]);
    expect(Object.keys(monitor.dataQuality())).toEqual(expect.arrayContaining(['x', 'y', 'z']));
    await expect(ml.serving.load({ bytes: await model() }, { columns: ['x', 'y'] })).rejects.toMatchObject(bad('Invalid columns: input X has 3 values per row, 2 names given'));
    // Y = concat(A, B) . [1, 2, 3, 4, 5]
    const multi = await ml.serving.load({ bytes: await multiInputModel(), name: 'multi-cols' }, { columns: { A: ['a1', 'a2'], B: ['b1', 'b2', 'b3'] } });
    const out = await multi.predict([{ b3: 1, a1: 1, a2: 0, b1: 0, b2: 0 }]);
    expect(Array.from(out.Y!.data as Float32Array)).toEqual([1 + 5]);
  });

  it('joins features by column name, whatever order the feature service lists them in', async () => {
    const { ml } = runtime;
    await ml.features.apply({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'cv', entities: ['instrument'], ttl: '1h', schema: { a: 'float64', b: 'float64', c: 'float64' } }],
      services: [
        { name: 'cols-svc', features: ['cv:c', 'cv:a', 'cv:b'] },
        { name: 'cols-short', features: ['cv:a', 'cv:b'] },
      ],
    });
    await ml.features.push('cv', [{ symbol: 'AAPL', event_ts: Date.now(), a: 1, b: 2, c: 3 }], { to: 'online' });
    const joined = await ml.serving.load('cols/1', { allowUnapproved: true, follow: false, name: 'cols-joined', features: { service: 'cols-svc' } });
    expect(Array.from((await joined.predict({ entities: [{ symbol: 'AAPL' }] })).Y!.data as Float32Array)).toEqual([321]);
    await expect(ml.serving.load('cols/1', { allowUnapproved: true, follow: false, features: { service: 'cols-short' } })).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('column c of input X is not among the features read (cv:a, cv:b)'),
    });
  });

  it('does not swap in a version whose columns differ, and says why', async () => {
    const { ml } = runtime;
    const reviewer = ml.as({ id: 'rev', roles: ['reviewer'] });
    await ml.registry.requestApproval('cols', 1);
    await reviewer.registry.approve('cols', 1);
    await ml.registry.setAlias('cols', 'champion', 1);
    const served = await ml.serving.load('cols@champion', { name: 'cols-follow' });
    const swaps: SwapEvent[] = [];
    served.on('swap', (e) => swaps.push(e));
    const warnings: string[] = [];
    const off = ml.events.on('warning', (w) => warnings.push(w.message));
    await ml.registry.createModelVersion({ name: 'cols', source: { bytes: await model() }, columns: ['c', 'b', 'a'] });
    await ml.registry.requestApproval('cols', 2);
    await reviewer.registry.approve('cols', 2);
    await ml.registry.setAlias('cols', 'champion', 2);
    for (let i = 0; i < 100 && warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    off();
    expect(warnings.join('\n')).toContain('cols/2 takes other inputs than the version being served');
    expect(swaps).toEqual([]);
    expect(served.version).toBe(1);
    expect(Array.from((await served.predict([{ a: 1, b: 2, c: 3 }])).Y!.data as Float32Array)).toEqual([321]);
    await served.close();
  });
});
