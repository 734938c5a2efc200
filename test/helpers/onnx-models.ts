/** Small ONNX graphs written with onnx-proto, for tests that need several inputs or int64 tensors. */
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
export async function multiInputModel(): Promise<Uint8Array> {
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
export async function int64Model(): Promise<Uint8Array> {
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


const BOOL = 9;
const STRING = 8;

/** Bool in, float out: Y = float(B) · [[1],[2]]. */
export async function boolModel(): Promise<Uint8Array> {
  return encode({
    name: 'flags',
    node: [
      { opType: 'Cast', input: ['B'], output: ['F'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'MatMul', input: ['F', 'W'], output: ['Y'] },
    ],
    initializer: [{ name: 'W', dims: [2, 1], dataType: FLOAT, floatData: [1, 2] }],
    input: [vi('B', BOOL, ['batch', 2])],
    output: [vi('Y', FLOAT, ['batch', 1])],
  });
}

/** Strings in, the same strings out (Identity). */
export async function stringModel(): Promise<Uint8Array> {
  return encode({
    name: 'echo',
    node: [{ opType: 'Identity', input: ['S'], output: ['T'] }],
    input: [vi('S', STRING, ['batch', 1])],
    output: [vi('T', STRING, ['batch', 1])],
  });
}

/** Z = X + Y with free widths (`w`, `v`): any width runs, and X and Y of different widths fail inside onnxruntime. */
export async function freeWidthModel(): Promise<Uint8Array> {
  return encode({
    name: 'free',
    node: [{ opType: 'Add', input: ['X', 'Y'], output: ['Z'] }],
    input: [vi('X', FLOAT, ['batch', 'w']), vi('Y', FLOAT, ['batch', 'v'])],
    output: [vi('Z', FLOAT, ['batch', 'w'])],
  });
}

/** Y = reshape(X, [-1, 3]): runs only when a row's width is a multiple of 3, so warmup on [1, 1] zeros fails. */
export async function reshapeModel(): Promise<Uint8Array> {
  return encode({
    name: 'reshape',
    node: [{ opType: 'Reshape', input: ['X', 'S'], output: ['Y'] }],
    initializer: [{ name: 'S', dims: [2], dataType: INT64, int64Data: [-1, 3] }],
    input: [vi('X', FLOAT, ['batch', 'n'])],
    output: [vi('Y', FLOAT, ['rows', 3])],
  });
}
