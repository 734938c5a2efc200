import type { ModelSignature, TensorSpec } from '../registry/index.js';

/**
 * Where each input and output of a model carries its batch, read from the signature. -1: the tensor
 * has no batch axis: an input passed as it is, equal across requests that share a run; an output
 * every caller sees whole. An output is split only where its run's dimension equals the batch's rows.
 */
export interface BatchLayout {
  /** The symbolic dimension that is the batch (`batch`, `N`, …); null when the model has none. */
  dim: string | null;
  inputs: Readonly<Record<string, number>>;
  outputs: Readonly<Record<string, number>>;
  /** Why requests cannot be joined into one run, naming the input and its shape; undefined when they can. */
  refusal: string | undefined;
}

function shapeText(spec: TensorSpec): string {
  return spec.shape === null ? 'unknown' : `[${spec.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** The symbolic name shared by the most inputs; ties go to the name standing first most often, then the first seen. */
function pickBatchDim(specs: readonly TensorSpec[]): string | null {
  const count = new Map<string, { inputs: number; first: number }>();
  for (const spec of specs) {
    if (spec.shape === null) continue;
    const seen = new Set<string>();
    spec.shape.forEach((d, axis) => {
      if (typeof d !== 'string' || seen.has(d)) return;
      seen.add(d);
      const c = count.get(d) ?? { inputs: 0, first: 0 };
      c.inputs += 1;
      if (axis === 0) c.first += 1;
      count.set(d, c);
    });
  }
  let best: string | null = null;
  let bestCount = { inputs: 0, first: 0 };
  for (const [name, c] of count) {
    if (c.inputs > bestCount.inputs || (c.inputs === bestCount.inputs && c.first > bestCount.first)) {
      best = name;
      bestCount = c;
    }
  }
  return best;
}

/** The one axis of `spec` that is `dim`; -1 when absent, -2 when it stands more than once. */
function axisOf(spec: TensorSpec, dim: string | null): number {
  if (spec.shape === null) return 0; // rank unknown: the first dimension, as before batch axes were read
  if (dim === null) return spec.shape[0] === null ? 0 : -1; // an unnamed free first dimension
  const first = spec.shape.indexOf(dim);
  if (first === -1) return -1;
  return spec.shape.indexOf(dim, first + 1) === -1 ? first : -2;
}

/**
 * Finds the batch axis of every input and output: the symbolic dimension the inputs share (wherever
 * it stands, e.g. axis 1 of a recurrent state `[layers, batch, hidden]`). A model where no input has
 * it, or one where an input has it twice, cannot be batched (Triton's `max_batch_size: 0`).
 */
export function batchLayout(signature: ModelSignature): BatchLayout {
  const dim = pickBatchDim(signature.inputs);
  const inputs: Record<string, number> = {};
  let refusal: string | undefined;
  for (const spec of signature.inputs) {
    const axis = axisOf(spec, dim);
    if (axis === -2 && refusal === undefined) refusal = `input ${spec.name} has the batch dimension ${dim} more than once (shape ${shapeText(spec)})`;
    inputs[spec.name] = axis < 0 ? -1 : axis;
  }
  if (refusal === undefined && !Object.values(inputs).some((a) => a >= 0)) {
    const shapes = signature.inputs.map((s) => `${s.name} ${shapeText(s)}`).join(', ');
    refusal = `no input has a symbolic batch dimension (${shapes || 'no inputs'})`;
  }
  const outputs: Record<string, number> = {};
  for (const spec of signature.outputs) {
    const axis = dim === null ? -1 : axisOf(spec, dim);
    // Without the batch's name, a free first dimension is taken as the batch when a run's output has
    // as many rows as the batch (split() checks); a fixed one never is.
    const free = spec.shape !== null && spec.shape.length > 0 && typeof spec.shape[0] !== 'number';
    outputs[spec.name] = axis >= 0 ? axis : free ? 0 : -1;
  }
  return { dim, inputs, outputs, refusal };
}

/** Product of `dims` from `start` (inclusive) to `end` (exclusive). */
export function span(dims: readonly number[], start: number, end: number): number {
  let n = 1;
  for (let i = start; i < end; i++) n *= dims[i] as number;
  return n;
}
