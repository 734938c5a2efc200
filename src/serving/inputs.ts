import type { Tensor } from 'onnxruntime-node';
import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from '../registry/index.js';
import type { OrtModule } from './ort.js';
import { batchLayout, type BatchLayout } from './batch-axis.js';
import { carve } from './slab.js';
import { TYPED_ARRAYS, type TypedArrayCtor } from './tensor-types.js';

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
const FLOATS: Readonly<Record<string, TypedArrayCtor>> = { float32: TYPED_ARRAYS.float32!, float64: TYPED_ARRAYS.float64! };

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
    const data: { [i: number]: unknown; length: number } = Float !== undefined ? carve(Float, records.length * width) : new Array<unknown>(records.length * width);
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
function convert(values: ArrayLike<unknown>, type: string, field: string, valueName?: ValueName): ArrayLike<unknown> {
  const name = valueName ?? ((i: number) => `${field}[${i}]`);
  const Float = FLOATS[type];
  if (Float !== undefined) {
    const n = values.length;
    const out = carve<Float32Array>(Float, n);
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
  const out = carve<{ [i: number]: unknown; length: number }>(Ctor, values.length);
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
  const out: { [i: number]: unknown; length: number } = Float !== undefined ? carve(Float, n * width) : new Array<unknown>(n * width);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const row = matrix[r];
    if (!Array.isArray(row) || row.length !== width) fail(`${field}[${r}]`, `has ${Array.isArray(row) ? row.length : 0} values, row 0 has ${width}`);
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (Float !== undefined && typeof v !== 'number') fail(`${field}[${r}][${j}]`, `expected a ${type} number, got ${JSON.stringify(v)}`);
      out[k++] = v;
    }
  }
  if (Float !== undefined) return { data: out as ArrayLike<unknown>, dims: [n, width] };
  return { data: convert(out as ArrayLike<unknown>, type, field, (i) => `${field}[${Math.floor(i / width)}][${i % width}]`), dims: [n, width] };
}

/** Checks dims against the signature: rank, and every fixed dimension. */
function checkDims(dims: number[], spec: TensorSpec, field: string): void {
  if (spec.shape === null) return;
  const shape = spec.shape;
  if (dims.length !== shape.length) fail(field, `has rank ${dims.length} (dims [${dims.join(', ')}]), the model expects [${shape.join(', ')}]`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number' && d !== dims[i]) fail(field, `dimension ${i} is ${dims[i]}, the model expects ${d} (shape [${shape.join(', ')}])`);
  }
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

/** How many enumerable keys an object has (`{ X: … }` names one input), without making an array of them. */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/**
 * Prepares inputs for one signature. For the commonest model (one tensor input batched along its
 * first axis, the other dimensions fixed) each input form gets a path of its own: a typed array of
 * the element type is used as it is; rows, a flat number[] and records (float inputs) are copied
 * into a typed array in one loop that checks each value as it copies it; `{ X: { data, dims } }` and
 * `{ X: ort.Tensor }` are checked against the fixed dimensions only. Anything else, and anything
 * that does not fit (every error included), goes through toTensors, whose messages name the
 * problem. Rows through toTensors ran at 0.2x a minimal batcher (issue 17); see bench/suites/serving.ts.
 */
export function compileInputs(ort: OrtModule, signature: ModelSignature, layout: BatchLayout = batchLayout(signature)): InputPreparer {
  const general: InputPreparer = (inputs) => toTensors(ort, inputs, signature, layout);
  const spec = signature.inputs.length === 1 ? signature.inputs[0] : undefined;
  if (spec === undefined || spec.kind !== 'tensor' || spec.elementType === null || spec.shape === null || spec.shape.length < 1 || layout.inputs[spec.name] !== 0) return general;
  const Ctor = TYPED_ARRAYS[spec.elementType];
  const fixedDims = spec.shape.slice(1);
  if (Ctor === undefined || spec.elementType === 'bool' || typeof spec.shape[0] === 'number' || !fixedDims.every((d): d is number => typeof d === 'number' && d > 0)) return general;
  const { name, elementType: type } = spec;
  const fixed = fixedDims as number[];
  const width = fixed.reduce((a, b) => a * b, 1);
  const Float = FLOATS[type];
  const columns = spec.columns !== undefined && spec.columns.length === width ? spec.columns : undefined;
  const TensorClass = ort.Tensor as unknown as abstract new (...args: never[]) => Tensor;
  const result = (data: ArrayLike<unknown>, rows: number) => {
    const tensors: Record<string, Tensor> = {};
    const dims = [rows];
    for (const d of fixed) dims.push(d);
    tensors[name] = { type, data, dims } as unknown as Tensor;
    return { tensors, rows };
  };
  /** dims are [rows >= 1, ...the fixed dimensions]. */
  const fits = (dims: readonly number[]) => {
    if (dims.length !== fixed.length + 1 || !Number.isSafeInteger(dims[0]) || (dims[0] as number) < 1) return false;
    for (let i = 0; i < fixed.length; i++) if (dims[i + 1] !== fixed[i]) return false;
    return true;
  };
  // Records: reading 32 columns by name cost ~90 ns each (megamorphic keyed loads); instead the key
  // order of the last record seen is kept with each key's column, a for-in checks that a record has
  // exactly those keys in that order, and Object.values() gives its values (4.3 µs -> 0.65 µs).
  const columnIndex = new Map((columns ?? []).map((c, i) => [c, i]));
  let order: { keys: string[]; perm: Int32Array } = { keys: [], perm: new Int32Array(0) };
  const inOrder = (rec: object): boolean => {
    const keys = order.keys;
    let j = 0;
    for (const key in rec) if (key !== keys[j++]) return false;
    return j === width;
  };
  /** Learns a record's key order when its keys are exactly the columns; false otherwise. */
  const learnOrder = (rec: object): boolean => {
    const keys = Object.keys(rec);
    if (keys.length !== width) return false;
    const perm = new Int32Array(width);
    for (let j = 0; j < width; j++) {
      const c = columnIndex.get(keys[j] as string);
      if (c === undefined) return false;
      perm[j] = c;
    }
    order = { keys, perm };
    return true;
  };
  // Rows, a flat number[] and records each copied into a typed array with every value checked, in a
  // function of its own so each loop's type feedback stays monomorphic; undefined when any value or
  // row does not fit (toTensors then names it).
  const fromRowsFast = (inputs: unknown[]) => {
    const n = inputs.length;
    const out = carve<Float32Array>(Float as TypedArrayCtor, n * width);
    let k = 0;
    for (let r = 0; r < n; r++) {
      const row = inputs[r];
      if (!Array.isArray(row) || row.length !== width) return undefined;
      for (let j = 0; j < width; j++) {
        const v: unknown = row[j];
        if (typeof v !== 'number') return undefined;
        out[k++] = v;
      }
    }
    return result(out, n);
  };
  const fromFlatFast = (inputs: unknown[]) => {
    const n = inputs.length;
    if (n % width !== 0) return undefined;
    const out = carve<Float32Array>(Float as TypedArrayCtor, n);
    for (let i = 0; i < n; i++) {
      const v = inputs[i];
      if (typeof v !== 'number') return undefined;
      out[i] = v;
    }
    return result(out, n / width);
  };
  const fromRecordsFast = (inputs: unknown[]) => {
    const n = inputs.length;
    const out = carve<Float32Array>(Float as TypedArrayCtor, n * width);
    for (let r = 0; r < n; r++) {
      const rec = inputs[r];
      // typeof and isArray only: anything else that is not a record (a typed array, { data, dims })
      // fails the key check, as its keys are not the columns.
      if (typeof rec !== 'object' || rec === null || Array.isArray(rec) || !(inOrder(rec) || (learnOrder(rec) && inOrder(rec)))) return undefined;
      const values = Object.values(rec as Record<string, unknown>);
      const base = r * width;
      const perm = order.perm;
      for (let j = 0; j < width; j++) {
        const v = values[j];
        if (typeof v !== 'number') return undefined;
        out[base + (perm[j] as number)] = v;
      }
    }
    return result(out, n);
  };
  const copied = (inputs: unknown[]) => {
    const first = inputs[0];
    if (Array.isArray(first)) return fromRowsFast(inputs);
    if (typeof first === 'number') return fromFlatFast(inputs);
    if (columns !== undefined && typeof first === 'object' && first !== null) return fromRecordsFast(inputs);
    return undefined;
  };
  return (inputs) => {
    if (inputs instanceof (Ctor as unknown as typeof Float32Array)) {
      if (inputs.length === 0 || inputs.length % width !== 0) return general(inputs);
      return result(inputs, (inputs.length / width) | 0); // a small integer, not a double, in the dims array
    }
    if (Array.isArray(inputs)) {
      if (Float === undefined || inputs.length === 0) return general(inputs);
      return copied(inputs) ?? general(inputs);
    }
    if (typeof inputs !== 'object' || inputs === null || ArrayBuffer.isView(inputs)) return general(inputs);
    const value = (inputs as Record<string, unknown>)[name] as { data?: unknown; dims?: readonly number[]; type?: unknown } | undefined;
    if (value === undefined || value === null || typeof value !== 'object' || keyCount(inputs) !== 1) return general(inputs);
    if (value instanceof TensorClass) {
      if (value.type !== type || !fits(value.dims as readonly number[])) return general(inputs);
      const tensors: Record<string, Tensor> = {};
      tensors[name] = value as unknown as Tensor;
      return { tensors, rows: (value.dims as readonly number[])[0] as number };
    }
    if (value.data instanceof (Ctor as unknown as typeof Float32Array) && Array.isArray(value.dims) && fits(value.dims) && value.data.length === ((value.dims[0] as number) * width)) {
      return result(value.data, value.dims[0] as number);
    }
    return general(inputs);
  };
}
