import type { Tensor } from 'onnxruntime-node';
import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from '../registry/types.js';
import type { OrtModule } from './ort.js';
import { batchLayout, type BatchLayout } from './batch-axis.js';
import { TYPED_ARRAYS } from './tensor-types.js';

/** What predict() accepts per input: rows, a typed array, `{ data, dims }` or an ort.Tensor. */
export type InputValue = number[][] | number[] | ArrayLike<number> | BigInt64Array | { data: ArrayLike<unknown>; dims: readonly number[] } | Tensor | string[] | boolean[] | number | bigint | boolean;

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

/** Float element types: the copy loop checks only that each value is a number. */
const FLOATS: Readonly<Record<string, typeof Float32Array | typeof Float64Array>> = { float32: Float32Array, float64: Float64Array };

/**
 * Records keyed by column name -> one [rows, columns] tensor per input, in each input's column order,
 * written straight into the input's typed array. A missing column, a column the model does not read,
 * or a value of the wrong kind is named by its record and column (`inputs[3].vwap_5m`).
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
  const named: Record<string, InputValue> = {};
  for (const spec of specs) {
    const columns = spec.columns as string[];
    const type = spec.elementType ?? 'float32';
    const width = columns.length;
    const Float = FLOATS[type];
    const data: { [i: number]: unknown; length: number } = Float !== undefined ? new Float(records.length * width) : new Array<unknown>(records.length * width);
    for (let r = 0; r < records.length; r++) {
      const rec = records[r] as Record<string, unknown>;
      if (!isRecord(rec)) fail(`inputs[${r}]`, `expected a record of column values like inputs[0], got ${JSON.stringify(rec)}`);
      for (let c = 0; c < width; c++) {
        const column = columns[c] as string;
        const v = rec[column];
        if (Float !== undefined ? typeof v !== 'number' : !valueFits(type, v)) {
          if (v === undefined) fail(`inputs[${r}].${column}`, `is missing (the model reads ${columns.join(', ')})`);
          fail(`inputs[${r}].${column}`, `expected a ${type} value, got ${typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)}`);
        }
        data[r * width + c] = v;
      }
    }
    named[spec.name] = { data: data as ArrayLike<unknown>, dims: [records.length, width] };
  }
  // Every column read was there; a record with more keys than the model reads names the stray one.
  for (let r = 0; r < records.length; r++) {
    const rec = records[r] as Record<string, unknown>;
    let keys = 0;
    for (const key in rec) if (Object.hasOwn(rec, key)) keys++;
    if (keys !== known.size) {
      for (const key of Object.keys(rec)) if (!known.has(key)) fail(`inputs[${r}].${key}`, `the model has no column ${key} (columns: ${[...known].join(', ')})`);
    }
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

/** Names value `i` of a flat list in an error message (`inputs.X[7]`, or `inputs.X[1][3]` for rows). */
type ValueName = (i: number) => string;

/**
 * Values of any kind -> the typed array of `type`, checked in the same loop that copies them. Floats
 * get a loop of their own: it is the commonest input and costs one typeof per value.
 */
function convert(values: ArrayLike<unknown>, type: string, field: string, name: ValueName = (i) => `${field}[${i}]`): ArrayLike<unknown> {
  const Float = FLOATS[type];
  if (Float !== undefined) {
    const n = values.length;
    const out = new Float(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') fail(name(i), `expected a ${type} number, got ${JSON.stringify(v)}`);
      out[i] = v;
    }
    return out;
  }
  if (type === 'string') {
    const out = Array.from(values as ArrayLike<unknown>);
    out.forEach((v, i) => typeof v !== 'string' && fail(name(i), `expected a string, got ${JSON.stringify(v)}`));
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
      else fail(name(i), `expected a whole number for ${type}, got ${String(v)}`);
    } else if (type === 'bool') {
      if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (v === 0 || v === 1) out[i] = v;
      else fail(name(i), `expected a boolean, got ${String(v)}`);
    } else {
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(name(i), `expected a ${type} number, got ${JSON.stringify(v)}`);
      const range = INT_RANGES[type];
      if (range !== undefined && (v < range[0] || v > range[1])) fail(name(i), `${v} is outside the ${type} range [${range[0]}, ${range[1]}]`);
      out[i] = v;
    }
  }
  return out;
}

/**
 * Rows (`number[][]`) -> one typed array, each value checked as it is copied: no flattened array in
 * between (rows went through flat() and a second pass before, 0.2x a minimal batcher's throughput).
 */
function fromRows(matrix: readonly unknown[], type: string, field: string): { data: ArrayLike<unknown>; dims: number[] } {
  const n = matrix.length;
  const width = (matrix[0] as unknown[]).length;
  const Float = FLOATS[type];
  const checkRow = (row: unknown, r: number): unknown[] => {
    if (!Array.isArray(row) || row.length !== width) fail(`${field}[${r}]`, `has ${Array.isArray(row) ? row.length : 0} values, row 0 has ${width}`);
    return row;
  };
  if (Float === undefined) {
    const flat = new Array<unknown>(n * width);
    for (let r = 0; r < n; r++) {
      const row = checkRow(matrix[r], r);
      for (let j = 0; j < width; j++) flat[r * width + j] = row[j];
    }
    return { data: convert(flat, type, field, (i) => `${field}[${Math.floor(i / width)}][${i % width}]`), dims: [n, width] };
  }
  const out = new Float(n * width);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const row = checkRow(matrix[r], r);
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number') fail(`${field}[${r}][${j}]`, `expected a ${type} number, got ${JSON.stringify(v)}`);
      out[k++] = v;
    }
  }
  return { data: out, dims: [n, width] };
}

/** Checks dims against the signature: rank, and every fixed dimension. */
function checkDims(dims: number[], spec: TensorSpec, field: string): void {
  if (spec.shape === null) return;
  if (dims.length !== spec.shape.length) fail(field, `has rank ${dims.length} (dims [${dims.join(', ')}]), the model expects [${spec.shape.join(', ')}]`);
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number' && d !== dims[i]) fail(field, `dimension ${i} is ${dims[i]}, the model expects ${d} (shape [${spec.shape?.join(', ')}])`);
  });
}

/** Turns one caller's inputs into tensors named and shaped as the signature says; `rows` counts along the batch axis. */
export function toTensors(_ort: OrtModule, inputs: PredictInputs, signature: ModelSignature, layout: BatchLayout = batchLayout(signature)): { tensors: Record<string, Tensor>; rows: number } {
  const specs = signature.inputs;
  let named: Record<string, InputValue>;
  if (Array.isArray(inputs) && inputs.length > 0 && isRecord(inputs[0])) named = fromRecords(inputs, signature);
  else if (specs.length === 1 && (Array.isArray(inputs) || ArrayBuffer.isView(inputs) || isTensor(inputs) || (typeof inputs === 'object' && inputs !== null && 'dims' in inputs && 'data' in inputs))) {
    named = { [(specs[0] as TensorSpec).name]: inputs as InputValue };
  } else if (inputs !== null && typeof inputs === 'object') named = inputs as Record<string, InputValue>;
  else fail('inputs', 'expected rows, a typed array, { data, dims }, an ort.Tensor, or an object of those per input name');
  for (const name in named) {
    if (!specs.some((s) => s.name === name)) fail(`inputs.${name}`, `the model has no input ${name} (inputs: ${specs.map((s) => s.name).join(', ')})`);
  }
  const tensors: Record<string, Tensor> = {};
  let rows = -1;
  let rowsFrom = '';
  for (const spec of specs) {
    const field = `inputs.${spec.name}`;
    const value = named[spec.name];
    if (value === undefined) fail(field, 'is missing');
    if (spec.kind !== 'tensor' || spec.elementType === null) fail(field, `is a ${spec.kind}, only tensor inputs are supported`);
    const type = spec.elementType;
    const axis = layout.inputs[spec.name] ?? -1;
    let data: ArrayLike<unknown>;
    let dims: number[];
    if (isTensor(value)) {
      if (value.type !== type) fail(field, `is a ${value.type} tensor, the model expects ${type}`);
      dims = [...value.dims];
      checkDims(dims, spec, field);
      tensors[spec.name] = value;
    } else {
      if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) ({ data, dims } = fromRows(value, type, field));
      else if (typeof value === 'object' && value !== null && 'dims' in value && 'data' in value && !ArrayBuffer.isView(value)) {
        data = value.data;
        dims = [...value.dims];
        const size = dims.reduce((a, b) => a * b, 1);
        if (size !== data.length) fail(field, `dims [${dims.join(', ')}] need ${size} values, data has ${data.length}`);
      } else ({ data, dims } = flatDims(typeof value === 'object' ? (value as ArrayLike<unknown>) : [value], spec, axis, field));
      checkDims(dims, spec, field);
      const converted = ArrayBuffer.isView(data) && data.constructor === TYPED_ARRAYS[type] ? data : convert(data, type, field);
      // A plain { type, data, dims }: the ort.Tensor is made once per batch (see DynamicBatcher), which
      // saves its constructor's checks on every request that gets batched with others.
      tensors[spec.name] = { type, data: converted, dims } as unknown as Tensor;
    }
    if (axis < 0) continue; // no batch axis: passed as it is
    const n = dims[axis] ?? 1;
    if (rows !== -1 && n !== rows) fail(field, `has ${n} rows along its batch axis ${axis} (shape [${spec.shape?.join(', ')}]), input ${rowsFrom} has ${rows}`);
    rows = n;
    rowsFrom = spec.name;
  }
  // A model without a batch axis runs each request alone: it counts as one row.
  return { tensors, rows: rows === -1 ? 1 : rows };
}

/**
 * A flat array or typed array (or a lone value for a scalar input): the dimensions come from the
 * signature, the batch axis taking whatever the values fill.
 */
function flatDims(data: ArrayLike<unknown>, spec: TensorSpec, axis: number, field: string): { data: ArrayLike<unknown>; dims: number[] } {
  const shape = spec.shape ?? [null];
  const dims = shape.map((d, i) => (i === axis ? 0 : typeof d === 'number' ? d : NaN));
  if (dims.some(Number.isNaN)) fail(field, `give { data, dims }: dimensions [${shape.join(', ')}] other than the batch axis are not fixed`);
  const width = dims.reduce((a, b, i) => (i === axis ? a : a * b), 1);
  if (axis < 0) {
    if (data.length !== width) fail(field, `has ${data.length} values, the model expects ${width} (shape [${shape.join(', ')}])`);
  } else {
    if (data.length === 0 || data.length % width !== 0) fail(field, `has ${data.length} values, not a whole number of rows of ${width}`);
    dims[axis] = data.length / width;
  }
  return { data, dims };
}

/** What a served model calls per predict(): toTensors, with a shortcut for the commonest call. */
export type InputPreparer = (inputs: PredictInputs) => { tensors: Record<string, Tensor>; rows: number };

/**
 * Prepares inputs for one signature. A model with one tensor input batched along its first axis,
 * whose other dimensions are fixed, called with a typed array of its element type
 * (`predict(float32Row)`), skips the general path's checks that cannot fail for it: that saved
 * ~0.3 µs of a 10 µs batch-1 call (cpu profile). Everything else, including every error, goes
 * through toTensors.
 */
export function compileInputs(ort: OrtModule, signature: ModelSignature, layout: BatchLayout = batchLayout(signature)): InputPreparer {
  const general: InputPreparer = (inputs) => toTensors(ort, inputs, signature, layout);
  const spec = signature.inputs.length === 1 ? signature.inputs[0] : undefined;
  if (spec === undefined || spec.kind !== 'tensor' || spec.elementType === null || spec.shape === null || spec.shape.length < 1 || layout.inputs[spec.name] !== 0) return general;
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
