import { InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature, TensorSpec } from './types.js';

/** Column names per input: a list for a model with one input, or an object keyed by input name. */
export type InputColumns = string[] | Record<string, string[]>;

const MAX_COLUMN_NAME = 250;

/**
 * Attaches column (feature) names to a signature's 2-D inputs, so that predict() can take records
 * keyed by name, the way MLflow's column-based signatures do. Every name list is checked against its
 * input: a rank-2 tensor whose second dimension, when fixed, equals the number of names; names are
 * unique, non-empty strings. Returns a new signature; the one given is not changed.
 */
export function withColumns(signature: ModelSignature, columns: InputColumns | undefined, field = 'columns'): ModelSignature {
  if (columns === undefined) return signature;
  let byInput: Record<string, unknown>;
  if (Array.isArray(columns)) {
    if (signature.inputs.length !== 1) {
      throw new InvalidArgumentError(`Invalid ${field}: the model has ${signature.inputs.length} inputs (${signature.inputs.map((i) => i.name).join(', ')}); give { <input>: [names] }`);
    }
    byInput = { [(signature.inputs[0] as TensorSpec).name]: columns };
  } else if (columns !== null && typeof columns === 'object') byInput = columns;
  else throw new InvalidArgumentError(`Invalid ${field}: expected a list of names or { <input>: [names] }, got ${JSON.stringify(columns)}`);
  const inputs = signature.inputs.map((spec) => ({ ...spec }));
  for (const [name, names] of Object.entries(byInput)) {
    const f = Array.isArray(columns) ? field : `${field}.${name}`;
    const spec = inputs.find((s) => s.name === name);
    if (spec === undefined) throw new InvalidArgumentError(`Invalid ${f}: the model has no input ${name} (inputs: ${signature.inputs.map((i) => i.name).join(', ')})`);
    if (!Array.isArray(names) || names.length === 0) throw new InvalidArgumentError(`Invalid ${f}: expected a non-empty list of column names`);
    if (spec.kind !== 'tensor' || spec.shape === null || spec.shape.length !== 2) {
      throw new InvalidArgumentError(`Invalid ${f}: input ${name} is not a 2-D tensor (shape ${JSON.stringify(spec.shape)}); column names describe [rows, columns] inputs`);
    }
    const width = spec.shape[1];
    if (typeof width === 'number' && width !== names.length) throw new InvalidArgumentError(`Invalid ${f}: input ${name} has ${width} values per row, ${names.length} names given`);
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (typeof n !== 'string' || n.length === 0 || n.length > MAX_COLUMN_NAME) throw new InvalidArgumentError(`Invalid ${f}[${i}]: ${JSON.stringify(n)} must be a non-empty string of at most ${MAX_COLUMN_NAME} characters`);
      if (seen.has(n)) throw new InvalidArgumentError(`Invalid ${f}[${i}]: ${JSON.stringify(n)} appears twice`);
      seen.add(n);
    });
    spec.columns = [...(names as string[])];
  }
  return { ...signature, inputs };
}
