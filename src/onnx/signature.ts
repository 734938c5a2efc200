import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from './signature-types.js';

// ONNX TensorProto.DataType numbers -> the names used across this library.
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

type Long = { toNumber(): number };
type Num = number | Long | null | undefined;

interface TypeProto {
  tensorType?: { elemType?: number | null; shape?: { dim?: Array<{ dimValue?: Num; dimParam?: string | null }> } | null } | null;
  sequenceType?: { elemType?: TypeProto | null } | null;
  mapType?: { keyType?: number | null; valueType?: TypeProto | null } | null;
  optionalType?: { elemType?: TypeProto | null } | null;
  sparseTensorType?: { elemType?: number | null } | null;
}

interface ValueInfo {
  name?: string | null;
  type?: TypeProto | null;
}

interface ModelProto {
  irVersion?: Num;
  producerName?: string | null;
  opsetImport?: Array<{ domain?: string | null; version?: Num }>;
  graph?: { input?: ValueInfo[]; output?: ValueInfo[]; initializer?: Array<{ name?: string | null }>; node?: unknown[] } | null;
}

function num(value: Num): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

function describe(t: TypeProto | null | undefined): string {
  if (!t) return 'unknown';
  if (t.tensorType) return `tensor(${ELEMENT_TYPES[t.tensorType.elemType ?? 0] ?? 'unknown'})`;
  if (t.sequenceType) return `seq(${describe(t.sequenceType.elemType)})`;
  if (t.mapType) return `map(${ELEMENT_TYPES[t.mapType.keyType ?? 0] ?? 'unknown'},${describe(t.mapType.valueType)})`;
  if (t.optionalType) return `optional(${describe(t.optionalType.elemType)})`;
  if (t.sparseTensorType) return `sparse_tensor(${ELEMENT_TYPES[t.sparseTensorType.elemType ?? 0] ?? 'unknown'})`;
  return 'unknown';
}

function spec(v: ValueInfo): TensorSpec {
  const name = v.name ?? '';
  const t = v.type;
  if (t?.tensorType) {
    const dims = t.tensorType.shape?.dim;
    return {
      name,
      kind: 'tensor',
      elementType: ELEMENT_TYPES[t.tensorType.elemType ?? 0] ?? 'unknown',
      shape: t.tensorType.shape ? (dims ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? num(d.dimValue) : null)) : null,
    };
  }
  const kind = t?.sequenceType ? 'sequence' : t?.mapType ? 'map' : t?.optionalType ? 'optional' : t?.sparseTensorType ? 'sparse_tensor' : 'unknown';
  return { name, kind, elementType: null, shape: null, typeDescription: describe(t) };
}

/**
 * Reads a model's inputs and outputs (names, element types, shapes with symbolic dimensions kept)
 * from ONNX bytes. Anything that is not a decodable ONNX model with a graph and outputs is refused.
 */
export async function readOnnxSignature(bytes: Uint8Array, field = 'source'): Promise<ModelSignature> {
  const mod = (await import('onnx-proto')) as unknown as { onnx?: unknown; default?: { onnx: unknown } };
  const onnx = (mod.onnx ?? mod.default?.onnx) as { ModelProto: { decode(b: Uint8Array): ModelProto } };
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InvalidArgumentError(`Invalid ${field}: not a valid ONNX model (${(err as Error).message}); pass format: 'opaque' to register other artifacts`, {
      cause: err,
      details: { field },
    });
  }
  const graph = model.graph;
  if (num(model.irVersion) <= 0 || !graph || (graph.output ?? []).length === 0 || (model.opsetImport ?? []).length === 0) {
    throw new InvalidArgumentError(
      `Invalid ${field}: not a valid ONNX model (no IR version, graph, outputs or opset); pass format: 'opaque' to register other artifacts`,
      { details: { field } },
    );
  }
  const initializers = new Set((graph.initializer ?? []).map((i) => i.name ?? ''));
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain || 'ai.onnx'] = num(o.version);
  return {
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(spec),
    outputs: (graph.output ?? []).map(spec),
    opsets,
    ...(model.producerName ? { producer: model.producerName } : {}),
  };
}
