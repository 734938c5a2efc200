import { describe, expect, it } from 'vitest';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

type Onnx = Record<string, { create(v: unknown): unknown; encode?(m: unknown): { finish(): Uint8Array } }>;

async function onnx(): Promise<Onnx> {
  const mod = (await import('onnx-proto')) as unknown as { onnx: Onnx };
  return mod.onnx;
}

const FLOAT = 1;
const INT64 = 7;
const ATTR_INT = 2;

function vi(name: string, elemType: number, dims: Array<number | string>) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

async function encode(graph: unknown): Promise<Uint8Array> {
  const o = await onnx();
  const model = o.ModelProto!.create({ irVersion: 8, producerName: 'test', opsetImport: [{ domain: '', version: 17 }], graph });
  return o.ModelProto!.encode!(model).finish();
}

/** Y = concat(A, B) · W: two inputs of different widths. */
async function multiInputModel(): Promise<Uint8Array> {
  return encode({
    name: 'multi',
    node: [
      { opType: 'Concat', input: ['A', 'B'], output: ['AB'], attribute: [{ name: 'axis', type: ATTR_INT, i: 1 }] },
      { opType: 'MatMul', input: ['AB', 'W'], output: ['Y'] },
    ],
    initializer: [{ name: 'W', dims: [5, 1], dataType: FLOAT, floatData: [1, 2, 3, 4, 5] }],
    input: [vi('A', FLOAT, ['batch', 2]), vi('B', FLOAT, ['batch', 3])],
    output: [vi('Y', FLOAT, ['batch', 1])],
  });
}

/** Integer in, integer out: S = I · [[1],[10]] computed in float and cast back to int64. */
async function int64Model(): Promise<Uint8Array> {
  return encode({
    name: 'ints',
    node: [
      { opType: 'Cast', input: ['I'], output: ['F'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'MatMul', input: ['F', 'W'], output: ['G'] },
      { opType: 'Cast', input: ['G'], output: ['S'], attribute: [{ name: 'to', type: ATTR_INT, i: INT64 }] },
    ],
    initializer: [{ name: 'W', dims: [2, 1], dataType: FLOAT, floatData: [1, 10] }],
    input: [vi('I', INT64, ['batch', 2])],
    output: [vi('S', INT64, ['batch', 1])],
  });
}

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
    await expect(model.predict({ A: [[1, 0]], B: [[1, 1, 1], [1, 1, 1]] })).rejects.toMatchObject({ message: expect.stringContaining('inputs.B: has 2 rows, other inputs have 1') });
    await expect(model.predict([[1, 0]])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('converts numbers to int64 and returns int64 outputs as BigInt64Array', async () => {
    const model = await runtime.ml.serving.load({ bytes: await int64Model(), name: 'ints' });
    expect(model.signature.inputs[0]).toMatchObject({ elementType: 'int64' });
    const out = await model.predict([[3, 4], [-2, 1]]);
    expect(out.S!.type).toBe('int64');
    expect(Array.from(out.S!.data as BigInt64Array)).toEqual([43n, 8n]);
    const fromBigInts = await model.predict({ I: { data: BigInt64Array.from([1n, 2n]), dims: [1, 2] } });
    expect(Array.from(fromBigInts.S!.data as BigInt64Array)).toEqual([21n]);
    await expect(model.predict([[1.5, 2]])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('inputs.I[0]: expected a whole number for int64') });
  });
});
