import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from '../registry/index.js';
import { zeros, type Outputs } from '../serving/index.js';

// FixedAnswer is part of serving's load options (serving owns that contract); re-exported here.
export type { FixedAnswer } from '../serving/index.js';

/** A checked fixed answer: builds outputs for any number of rows. */
export interface SafeAnswer {
  readonly values: Readonly<Record<string, readonly number[]>>;
  outputs(rows: number): Outputs;
  /** Writes the answer's row into `data` at row `row` (for replacing single rows). */
  fill(output: string, data: { [i: number]: unknown }, row: number, asBigInt: boolean): void;
}

const NUMERIC = new Set(['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool']);

/** Values per row of an output: the product of its fixed dimensions after the first; null when one varies. */
export function rowWidth(spec: TensorSpec): number | null {
  const rest = (spec.shape ?? []).slice(1);
  let w = 1;
  for (const d of rest) {
    if (typeof d !== 'number' || d < 0) return null;
    w *= d;
  }
  return w;
}

/**
 * Checks a fixed answer against the model's outputs at load: every output given, no other, numbers
 * only, one value per row or one list as long as the output's row. Nothing loads when it is wrong.
 */
export function checkFixedAnswer(value: unknown, signature: ModelSignature, field: string): SafeAnswer {
  const outputs = (value as { outputs?: unknown } | null)?.outputs;
  if (outputs === null || typeof outputs !== 'object' || Array.isArray(outputs)) {
    throw new InvalidArgumentError(`Invalid ${field}: expected { outputs: { <output>: value or [values] } }`, { details: { field } });
  }
  const specs = new Map(signature.outputs.map((o) => [o.name, o]));
  const given = outputs as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!specs.has(name)) throw new InvalidArgumentError(`Invalid ${field}.outputs.${name}: the model has no output ${name} (outputs: ${[...specs.keys()].join(', ')})`, { details: { field: `${field}.outputs.${name}` } });
  }
  const values: Record<string, number[]> = {};
  const types: Record<string, string> = {};
  for (const [name, spec] of specs) {
    const f = `${field}.outputs.${name}`;
    if (!(name in given)) throw new InvalidArgumentError(`Invalid ${f}: missing; a fixed answer gives every output (${[...specs.keys()].join(', ')})`, { details: { field: f } });
    const type = spec.elementType ?? 'float32';
    if (!NUMERIC.has(type)) throw new InvalidArgumentError(`Invalid ${f}: output ${name} is ${type}; fixed answers are numeric`, { details: { field: f } });
    const raw = given[name];
    const list = Array.isArray(raw) ? raw : [raw];
    list.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`Invalid ${f}${Array.isArray(raw) ? `[${i}]` : ''}: ${JSON.stringify(v)} must be a finite number`, { details: { field: f } });
    });
    const width = rowWidth(spec);
    if (width !== null && list.length !== width) {
      throw new InvalidArgumentError(`Invalid ${f}: ${list.length} value(s) per row, output ${name} has ${width} (shape ${JSON.stringify(spec.shape)})`, { details: { field: f } });
    }
    values[name] = list as number[];
    types[name] = type;
  }
  return {
    values,
    outputs(rows) {
      const out: Outputs = {};
      for (const [name, row] of Object.entries(values)) {
        const type = types[name] as string;
        const data = zeros(type, rows * row.length) as unknown as { [i: number]: unknown };
        const big = type === 'int64' || type === 'uint64';
        for (let r = 0; r < rows; r++) for (let j = 0; j < row.length; j++) data[r * row.length + j] = big ? BigInt(Math.trunc(row[j] as number)) : row[j];
        out[name] = { data: data as unknown as ArrayLike<unknown>, dims: dimsFor(specs.get(name) as TensorSpec, rows, row.length), type };
      }
      return out;
    },
    fill(output, data, row, asBigInt) {
      const v = values[output] ?? [];
      for (let j = 0; j < v.length; j++) data[row * v.length + j] = asBigInt ? BigInt(Math.trunc(v[j] as number)) : v[j];
    },
  };
}

/** The answer's dims: the output's own shape with `rows` first when it is fixed, else [rows, width]. */
function dimsFor(spec: TensorSpec, rows: number, width: number): number[] {
  const shape = spec.shape ?? [];
  if (shape.length === 1) return [rows];
  if (rowWidth(spec) !== null) return [rows, ...(shape.slice(1) as number[])];
  return [rows, width];
}
