/**
 * Writes small ONNX models from JavaScript: dense layers (MatMul + Add) with ReLU, sigmoid or no
 * activation. Used by the demo to export a model trained in JS, and by tests that need real models
 * without shipping binaries.
 */
export interface DenseLayer {
  /** Row-major [inputs x outputs]. */
  weights: Float32Array | number[];
  bias: Float32Array | number[];
  activation?: 'relu' | 'sigmoid' | 'none';
}

export interface MlpSpec {
  inputSize: number;
  layers: DenseLayer[];
  inputName?: string;
  outputName?: string;
  /** Name of the symbolic batch dimension. Default `batch`. */
  batchDim?: string;
  producer?: string;
}

const FLOAT = 1;

type OnnxModule = {
  ModelProto: { create(v: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
  GraphProto: { create(v: unknown): unknown };
  NodeProto: { create(v: unknown): unknown };
  TensorProto: { create(v: unknown): unknown };
  ValueInfoProto: { create(v: unknown): unknown };
};

async function onnxModule(): Promise<OnnxModule> {
  const mod = (await import('onnx-proto')) as unknown as { onnx?: OnnxModule; default?: { onnx: OnnxModule } };
  return (mod.onnx ?? mod.default?.onnx) as OnnxModule;
}

function valueInfo(onnx: OnnxModule, name: string, dims: Array<number | string>, elemType = FLOAT): unknown {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

/** A multilayer perceptron: X [batch, inputSize] -> Y [batch, outputs of the last layer]. */
export async function buildMlp(spec: MlpSpec): Promise<Uint8Array> {
  const onnx = await onnxModule();
  const input = spec.inputName ?? 'X';
  const output = spec.outputName ?? 'Y';
  const batch = spec.batchDim ?? 'batch';
  const nodes: unknown[] = [];
  const initializers: unknown[] = [];
  let current = input;
  let width = spec.inputSize;
  spec.layers.forEach((layer, i) => {
    const outWidth = layer.bias.length;
    if (layer.weights.length !== width * outWidth) {
      throw new Error(`layer ${i}: ${layer.weights.length} weights for ${width} inputs x ${outWidth} outputs`);
    }
    initializers.push(onnx.TensorProto.create({ name: `W${i}`, dims: [width, outWidth], dataType: FLOAT, floatData: Array.from(layer.weights) }));
    initializers.push(onnx.TensorProto.create({ name: `B${i}`, dims: [outWidth], dataType: FLOAT, floatData: Array.from(layer.bias) }));
    const last = i === spec.layers.length - 1;
    const act = layer.activation ?? (last ? 'none' : 'relu');
    const mm = `mm${i}`;
    const sum = act === 'none' && last ? output : `add${i}`;
    nodes.push(onnx.NodeProto.create({ name: `MatMul${i}`, opType: 'MatMul', input: [current, `W${i}`], output: [mm] }));
    nodes.push(onnx.NodeProto.create({ name: `Add${i}`, opType: 'Add', input: [mm, `B${i}`], output: [sum] }));
    current = sum;
    if (act !== 'none') {
      const next = last ? output : `act${i}`;
      nodes.push(onnx.NodeProto.create({ name: `Act${i}`, opType: act === 'relu' ? 'Relu' : 'Sigmoid', input: [sum], output: [next] }));
      current = next;
    }
    width = outWidth;
  });
  const graph = onnx.GraphProto.create({
    name: 'mlp',
    node: nodes,
    initializer: initializers,
    input: [valueInfo(onnx, input, [batch, spec.inputSize])],
    output: [valueInfo(onnx, output, [batch, width])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: spec.producer ?? '@trademaster/mlops',
    opsetImport: [{ domain: '', version: 17 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Logistic regression as ONNX: sigmoid(X · w + b) with one output column. */
export function buildLogisticRegression(weights: number[], bias: number, options: Omit<MlpSpec, 'inputSize' | 'layers'> = {}): Promise<Uint8Array> {
  return buildMlp({ ...options, inputSize: weights.length, layers: [{ weights, bias: [bias], activation: 'sigmoid' }] });
}
