import type { Tensor } from 'onnxruntime-node';
import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from '../registry/index.js';
import type { OrtModule } from './ort.js';
import { TYPED_ARRAYS } from './tensor-types.js';

/** What predict() accepts per input: rows, a typed array, `{ data, dims }` or an ort.Tensor. */
export type InputValue = number[][] | number[] | ArrayLike<number> | BigInt64Array | { data: ArrayLike<unknown>; dims: readonly number[] } | Tensor | string[] | boolean[];

/** One row as named values, for models whose inputs have column names (`{ vwap_5m: 1.2, vol_1h: 0.3 }`). */
export type InputRecord = Record<string, number | bigint | boolean | string>;

export type PredictInputs = Record<string, InputValue> | InputValue | InputRecord[];

/** A plain object that is not one of the other input forms. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v) && !('dims' in v && 'data' in v);
}

function valueFits(type: string, v: unknown): boolean {
  if (type === 'string') return typeof v === 'string';
  if (type === 'bool') return typeof v === 'boolean' || v === 0 || v === 1;
  if (type === 'int64' || type === 'uint64') return typeof v === 'bigint' || typeof v === 'number';
  return typeof v === 'number';
}

/**
 * Records keyed by column name -> one [rows, columns] matrix per input, in each input's column order.
 * A missing column, a column the model does not read, or a value of the wrong kind is named by its
 * record and column (`inputs[3].vwap_5m`).
 */
function fromRecords(records: readonly unknown[], signature: ModelSignature): Record<string, InputValue> {
  const specs = signature.inputs;
  const known = new Set<string>();
  for (const spec of specs) {
    if (spec.columns === undefined) {
      fail(`inputs.${spec.name}`, `has no column names, so records cannot fill it: give columns when registering or loading the model, or pass { ${spec.name}: rows }`);
    }
    for (const c of spec.columns) known.add(c);
  }
  records.forEach((rec, r) => {
    if (!isRecord(rec)) fail(`inputs[${r}]`, `expected a record of column values like inputs[0], got ${JSON.stringify(rec)}`);
    for (const key of Object.keys(rec)) if (!known.has(key)) fail(`inputs[${r}].${key}`, `the model has no column ${key} (columns: ${[...known].join(', ')})`);
  });
  const named: Record<string, InputValue> = {};
  for (const spec of specs) {
    const columns = spec.columns as string[];
    const type = spec.elementType ?? 'float32';
    const width = columns.length;
    const data = new Array<unknown>(records.length * width);
    for (let r = 0; r < records.length; r++) {
      const rec = records[r] as Record<string, unknown>;
      for (let c = 0; c < width; c++) {
        const column = columns[c] as string;
        const v = rec[column];
        if (v === undefined) fail(`inputs[${r}].${column}`, `is missing (the model reads ${columns.join(', ')})`);
        if (!valueFits(type, v)) fail(`inputs[${r}].${column}`, `expected a ${type} value, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
        data[r * width + c] = v;
      }
    }
    named[spec.name] = { data, dims: [records.length, width] };
  }
  return named;
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dims' in v && 'type' in v && 'data' in v && typeof (v as Tensor).dims !== 'undefined' && typeof (v as { type: unknown }).type === 'string';
}

/** Integer element types that travel as numbers: values outside the range would wrap silently. */
const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

function fail(field: string, message: string): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${message}`, { details: { field } });
}

function convert(values: ArrayLike<unknown>, type: string, field: string): ArrayLike<unknown> {
  if (type === 'string') {
    const out = Array.from(values as ArrayLike<unknown>);
    out.forEach((v, i) => typeof v !== 'string' && fail(`${field}[${i}]`, `expected a string, got ${JSON.stringify(v)}`));
    return out as string[];
  }
  const Ctor = TYPED_ARRAYS[type];
  if (Ctor === undefined) fail(field, `element type ${type} is not supported for inputs`);
  const out = new Ctor(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (type === 'int64' || type === 'uint64') {
      if (typeof v === 'bigint') out[i] = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v) && (type === 'int64' || v >= 0)) out[i] = BigInt(v);
      else fail(`${field}[${i}]`, `expected a whole number for ${type}, got ${String(v)}`);
    } else if (type === 'bool') {
      if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) out[i] = v;
      else fail(`${field}[${i}]`, `expected a boolean, got ${String(v)}`);
    } else {
      if (typeof v !== 'number' || (type.includes('int') && !Number.isInteger(v))) fail(`${field}[${i}]`, `expected a ${type} number, got ${JSON.stringify(v)}`);
      const range = INT_RANGES[type];
      if (range !== undefined && (v < range[0] || v > range[1])) fail(`${field}[${i}]`, `${v} is outside the ${type} range [${range[0]}, ${range[1]}]`);
      out[i] = v;
    }
  }
  return out;
}

/** Checks dims against the signature: rank, and every fixed dimension. */
function checkDims(dims: number[], spec: TensorSpec, field: string): void {
  if (spec.shape === null) return;
  if (dims.length !== spec.shape.length) fail(field, `has rank ${dims.length} (dims [${dims.join(', ')}]), the model expects [${spec.shape.join(', ')}]`);
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number' && d !== dims[i]) fail(field, `dimension ${i} is ${dims[i]}, the model expects ${d} (shape [${spec.shape?.join(', ')}])`);
  });
}

/** Turns one caller's inputs into tensors named and shaped as the signature says. */
export function toTensors(_ort: OrtModule, inputs: PredictInputs, signature: ModelSignature): { tensors: Record<string, Tensor>; rows: number } {
  const specs = signature.inputs;
  let named: Record<string, InputValue>;
  if (Array.isArray(inputs) && inputs.length > 0 && isRecord(inputs[0])) named = fromRecords(inputs, signature);
  else if (specs.length === 1 && (Array.isArray(inputs) || ArrayBuffer.isView(inputs) || isTensor(inputs) || (typeof inputs === 'object' && inputs !== null && 'dims' in inputs && 'data' in inputs))) {
    named = { [(specs[0] as TensorSpec).name]: inputs as InputValue };
  } else if (inputs !== null && typeof inputs === 'object') named = inputs as Record<string, InputValue>;
  else fail('inputs', 'expected rows, a typed array, { data, dims }, an ort.Tensor, or an object of those per input name');
  for (const name of Object.keys(named)) {
    if (!specs.some((s) => s.name === name)) fail(`inputs.${name}`, `the model has no input ${name} (inputs: ${specs.map((s) => s.name).join(', ')})`);
  }
  const tensors: Record<string, Tensor> = {};
  let rows = -1;
  for (const spec of specs) {
    const field = `inputs.${spec.name}`;
    const value = named[spec.name];
    if (value === undefined) fail(field, 'is missing');
    if (spec.kind !== 'tensor' || spec.elementType === null) fail(field, `is a ${spec.kind}, only tensor inputs are supported`);
    const type = spec.elementType;
    let data: ArrayLike<unknown>;
    let dims: number[];
    if (isTensor(value)) {
      if (value.type !== type) fail(field, `is a ${value.type} tensor, the model expects ${type}`);
      tensors[spec.name] = value;
      dims = [...value.dims];
      checkDims(dims, spec, field);
      rows = rows === -1 ? (dims[0] ?? 1) : rows;
      continue;
    } else if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
      const matrix = value as unknown[][];
      const width = (matrix[0] as unknown[]).length;
      matrix.forEach((row, i) => {
        if (!Array.isArray(row) || row.length !== width) fail(`${field}[${i}]`, `has ${Array.isArray(row) ? row.length : 0} values, row 0 has ${width}`);
      });
      data = matrix.flat();
      dims = [matrix.length, width];
    } else if (typeof value === 'object' && value !== null && 'dims' in value && 'data' in value && !ArrayBuffer.isView(value)) {
      data = value.data;
      dims = [...value.dims];
      const size = dims.reduce((a, b) => a * b, 1);
      if (size !== data.length) fail(field, `dims [${dims.join(', ')}] need ${size} values, data has ${data.length}`);
    } else {
      // A flat array or typed array: the fixed dimensions come from the signature, the first one is the batch.
      data = value as ArrayLike<unknown>;
      const fixed = (spec.shape ?? []).slice(1).map((d) => (typeof d === 'number' ? d : NaN));
      if (fixed.some(Number.isNaN)) fail(field, `give { data, dims }: dimensions [${spec.shape?.join(', ')}] after the first are not fixed`);
      const width = fixed.reduce((a, b) => a * b, 1);
      if (data.length === 0 || data.length % width !== 0) fail(field, `has ${data.length} values, not a whole number of rows of ${width}`);
      dims = [data.length / width, ...fixed];
    }
    checkDims(dims, spec, field);
    const converted = ArrayBuffer.isView(data) && data.constructor === TYPED_ARRAYS[type] ? data : convert(data, type, field);
    // A plain { type, data, dims }: the ort.Tensor is made once per batch (see DynamicBatcher), which
    // saves its constructor's checks on every request that gets batched with others.
    tensors[spec.name] = { type, data: converted, dims } as unknown as Tensor;
    const n = dims[0] ?? 1;
    if (rows !== -1 && n !== rows) fail(field, `has ${n} rows, other inputs have ${rows}`);
    rows = n;
  }
  return { tensors, rows: Math.max(rows, 0) };
}

/** What a served model calls per predict(): toTensors, with a shortcut for the commonest call. */
export type InputPreparer = (inputs: PredictInputs) => { tensors: Record<string, Tensor>; rows: number };

/**
 * Prepares inputs for one signature. A model with one tensor input whose dimensions after the first
 * are fixed, called with a typed array of its element type (`predict(float32Row)`), skips the general
 * path's checks that cannot fail for it: that saved ~0.3 µs of a 10 µs batch-1 call (cpu profile).
 * Everything else, including every error, goes through toTensors.
 */
export function compileInputs(ort: OrtModule, signature: ModelSignature): InputPreparer {
  const general: InputPreparer = (inputs) => toTensors(ort, inputs, signature);
  const spec = signature.inputs.length === 1 ? signature.inputs[0] : undefined;
  if (spec === undefined || spec.kind !== 'tensor' || spec.elementType === null || spec.shape === null || spec.shape.length < 1) return general;
  const Ctor = TYPED_ARRAYS[spec.elementType];
  const fixed = spec.shape.slice(1);
  if (Ctor === undefined || spec.elementType === 'bool' || typeof spec.shape[0] === 'number' || !fixed.every((d): d is number => typeof d === 'number' && d > 0)) return general;
  const { name, elementType: type } = spec;
  const width = (fixed as number[]).reduce((a, b) => a * b, 1);
  return (inputs) => {
    if (!(inputs instanceof (Ctor as unknown as typeof Float32Array)) || inputs.length === 0 || inputs.length % width !== 0) return general(inputs);
    const rows = (inputs.length / width) | 0; // a small integer, not a double, in the dims array
    const tensors: Record<string, Tensor> = {};
    tensors[name] = { type, data: inputs, dims: [rows, ...(fixed as number[])] } as unknown as Tensor;
    return { tensors, rows };
  };
}
