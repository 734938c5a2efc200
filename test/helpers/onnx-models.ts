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

// The model-shape corpus: models whose batch axis is not simply "first dimension of every tensor".
const ints = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: INT64, int64Data: values });

/** Y = X * s: a batched input and a scalar one (s has no batch axis and must match across a batch). */
export async function scalarInputModel(): Promise<Uint8Array> {
  return encode({
    name: 'scalar',
    node: [{ opType: 'Mul', input: ['X', 's'], output: ['Y'] }],
    input: [vi('X', FLOAT, ['batch', 3]), vi('s', FLOAT, [])],
    output: [vi('Y', FLOAT, ['batch', 3])],
  });
}

/** X [3, batch] (batch axis second) -> Y = W · X [2, batch] (batch second) and Z = Xᵀ [batch, 3]. */
export async function batchSecondModel(): Promise<Uint8Array> {
  return encode({
    name: 'batch-second',
    node: [
      { opType: 'MatMul', input: ['W', 'X'], output: ['Y'] },
      { opType: 'Transpose', input: ['X'], output: ['Z'], attribute: [{ name: 'perm', type: 7, ints: [1, 0] }] },
    ],
    initializer: [{ name: 'W', dims: [2, 3], dataType: FLOAT, floatData: [1, 2, 3, -1, 0.5, 0.25] }],
    input: [vi('X', FLOAT, [3, 'batch'])],
    output: [vi('Y', FLOAT, [2, 'batch']), vi('Z', FLOAT, ['batch', 3])],
  });
}

/** X [batch, 2, 3] -> Y = X · W [batch, 2, 2]. */
export async function threeDModel(): Promise<Uint8Array> {
  return encode({
    name: 'three-d',
    node: [{ opType: 'MatMul', input: ['X', 'W'], output: ['Y'] }],
    initializer: [{ name: 'W', dims: [3, 2], dataType: FLOAT, floatData: [1, 0, 0, 1, 2, -3] }],
    input: [vi('X', FLOAT, ['batch', 2, 3])],
    output: [vi('Y', FLOAT, ['batch', 2, 2])],
  });
}

/** int64 I and bool B [batch, 2] -> Y = float(I) * float(B) and K = I + I (int64). */
export async function intBoolModel(): Promise<Uint8Array> {
  return encode({
    name: 'int-bool',
    node: [
      { opType: 'Cast', input: ['I'], output: ['IF'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'Cast', input: ['B'], output: ['BF'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'Mul', input: ['IF', 'BF'], output: ['Y'] },
      { opType: 'Add', input: ['I', 'I'], output: ['K'] },
    ],
    input: [vi('I', INT64, ['batch', 2]), vi('B', BOOL, ['batch', 2])],
    output: [vi('Y', FLOAT, ['batch', 2]), vi('K', INT64, ['batch', 2])],
  });
}

/** X [batch, 4] -> Y = Xᵀ [4, batch]: an output whose batch axis is second. */
export async function outputBatchSecondModel(): Promise<Uint8Array> {
  return encode({
    name: 'out-second',
    node: [{ opType: 'Transpose', input: ['X'], output: ['Y'], attribute: [{ name: 'perm', type: 7, ints: [1, 0] }] }],
    input: [vi('X', FLOAT, ['batch', 4])],
    output: [vi('Y', FLOAT, [4, 'batch'])],
  });
}

/**
 * A recurrent-style model like the one in issue 17: x [batch, sequence], state h [2, batch, 4]
 * (batch axis second), sample rate sr [] (no batch axis). hn = 0.5 h + sr * sum(x over sequence);
 * y = sum of hn over layers and hidden, [batch]. hn is fed back as the next call's h.
 */
export async function statefulModel(): Promise<Uint8Array> {
  return encode({
    name: 'stateful',
    node: [
      { opType: 'ReduceSum', input: ['x', 'axis1'], output: ['m'], attribute: [{ name: 'keepdims', type: ATTR_INT, i: 1 }] },
      { opType: 'Mul', input: ['m', 'sr'], output: ['ms'] },
      { opType: 'Mul', input: ['h', 'half'], output: ['hh'] },
      { opType: 'Add', input: ['hh', 'ms'], output: ['hn'] },
      { opType: 'ReduceSum', input: ['hn', 'axes02'], output: ['y'], attribute: [{ name: 'keepdims', type: ATTR_INT, i: 0 }] },
    ],
    initializer: [ints('axis1', [1]), ints('axes02', [0, 2]), { name: 'half', dims: [], dataType: FLOAT, floatData: [0.5] }],
    input: [vi('x', FLOAT, ['batch', 'sequence']), vi('h', FLOAT, [2, 'batch', 4]), vi('sr', FLOAT, [])],
    output: [vi('y', FLOAT, ['batch']), vi('hn', FLOAT, [2, 'batch', 4])],
  });
}

/** X [1, 4] -> Y = X * 2: fixed shapes, no batch axis anywhere (Triton's max_batch_size 0). */
export async function fixedShapeModel(): Promise<Uint8Array> {
  return encode({
    name: 'fixed',
    node: [{ opType: 'Add', input: ['X', 'X'], output: ['Y'] }],
    input: [vi('X', FLOAT, [1, 4])],
    output: [vi('Y', FLOAT, [1, 4])],
  });
}

const UINT32 = 12;

/**
 * The model of the binary tensor data extension's example (Triton, extension_binary_data.md):
 * input0 UINT32 [2, 2] and input1 BOOL [3] give output0 FP32 [3, 2] = float(input1)ᵀ · column sums of input0.
 */
export async function binaryExampleModel(): Promise<Uint8Array> {
  return encode({
    name: 'binary-example',
    node: [
      { opType: 'Cast', input: ['input0'], output: ['c0'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'ReduceSum', input: ['c0', 'axis0'], output: ['s'], attribute: [{ name: 'keepdims', type: ATTR_INT, i: 1 }] },
      { opType: 'Cast', input: ['input1'], output: ['c1'], attribute: [{ name: 'to', type: ATTR_INT, i: FLOAT }] },
      { opType: 'Unsqueeze', input: ['c1', 'axis1'], output: ['u'] },
      { opType: 'Mul', input: ['u', 's'], output: ['output0'] },
    ],
    initializer: [ints('axis0', [0]), ints('axis1', [1])],
    input: [vi('input0', UINT32, [2, 2]), vi('input1', BOOL, [3])],
    output: [vi('output0', FLOAT, [3, 2])],
  });
}
