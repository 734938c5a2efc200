import { InvalidArgumentError } from '../../core/errors.js';
import type { TensorSpec } from '../../registry/types.js';
import type { Outputs } from '../../serving/batcher.js';

/** Open Inference Protocol datatypes and the ONNX element types they carry. */
const TO_ONNX: Record<string, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};
const FROM_ONNX: Record<string, string> = Object.fromEntries(Object.entries(TO_ONNX).map(([k, v]) => [v, k]));

export function oipDatatype(elementType: string | null): string {
  return (elementType !== null ? FROM_ONNX[elementType] : undefined) ?? 'FP32';
}

/** OIP metadata shapes: -1 for a dimension that varies. */
export function oipShape(spec: TensorSpec): number[] {
  return (spec.shape ?? [-1]).map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}

export interface InferInput {
  name: string;
  data: ArrayLike<unknown>;
  dims: number[];
}

/** Flattens row-major nested lists (OIP allows nested or flat `data`). */
function flatten(data: unknown, field: string): unknown[] {
  if (!Array.isArray(data)) throw new InvalidArgumentError(`Invalid ${field}.data: expected a list`, { details: { field: `${field}.data` } });
  return data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data;
}

/**
 * Checks one request input against the model's input spec and returns it as predict() takes it;
 * `binary` holds its values when they came in the body's binary section (see binary-data.ts).
 */
export function parseInferInput(raw: unknown, i: number, specs: readonly TensorSpec[], binary?: ArrayLike<unknown>): InferInput {
  const field = `inputs[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidArgumentError(`Invalid ${field}: expected an object with name, shape, datatype and data`);
  const t = raw as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
  if (typeof t.name !== 'string') throw new InvalidArgumentError(`Invalid ${field}.name: ${JSON.stringify(t.name)} must be a string`);
  const spec = specs.find((s) => s.name === t.name);
  if (spec === undefined) throw new InvalidArgumentError(`Invalid ${field}.name: the model has no input ${JSON.stringify(t.name)} (inputs: ${specs.map((s) => s.name).join(', ')})`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new InvalidArgumentError(`Invalid ${field}.shape: ${JSON.stringify(t.shape)} must be a list of whole numbers`);
  }
  const expected = oipDatatype(spec.elementType);
  if (t.datatype !== expected) throw new InvalidArgumentError(`Invalid ${field}.datatype: ${JSON.stringify(t.datatype)}; input ${t.name} is ${expected}`);
  if (binary !== undefined && t.data !== undefined) throw new InvalidArgumentError(`Invalid ${field}.data: give data or parameters.binary_data_size, not both`);
  const data = binary ?? flatten(t.data, field);
  const dims = t.shape as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new InvalidArgumentError(`Invalid ${field}.data: ${data.length} values for shape [${dims.join(', ')}] (${size} expected)`);
  return { name: t.name, data, dims };
}

/** One output as OIP's JSON: flat data; int64 as numbers (exact up to 2^53). */
export function outputJson(name: string, out: Outputs[string]): Record<string, unknown> {
  const data = out.data;
  let values: unknown[];
  if (out.type === 'int64' || out.type === 'uint64') values = Array.from(data as ArrayLike<bigint>, (v) => Number(v));
  else if (out.type === 'bool') values = Array.from(data as ArrayLike<number>, (v) => Boolean(v));
  else values = Array.from(data);
  return { name, datatype: oipDatatype(out.type), shape: out.dims, data: values };
}
