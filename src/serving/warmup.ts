import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { FailedPreconditionError, InvalidArgumentError, MlopsError } from '../core/errors.js';
import type { ModelSignature } from '../registry/index.js';
import { toTensors, type PredictInputs } from './inputs.js';
import type { OrtModule } from './ort.js';
import { zeros } from './tensor-types.js';

/**
 * What runs at load before traffic (Triton's `model_warmup`): a real sample, or zeros sized by
 * `dims`. `warmup: false` skips it; the default is one run on zeros with symbolic dimensions as 1.
 */
export interface WarmupOptions {
  /** A real sample, in any form predict() takes. */
  inputs?: PredictInputs;
  /** Sizes of symbolic dimensions for the zero inputs (`{ sequence: 512 }`); the others are 1. */
  dims?: Record<string, number>;
  /** Runs of the sample. Default 1. */
  count?: number;
}

/** A checked warmup: the feeds (plain { type, data, dims }), how often, and what they are, in words, for errors. */
export interface WarmupPlan {
  feeds: Record<string, Tensor>;
  count: number;
  description: string;
}

function invalid(field: string, message: string): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${message}`, { details: { field } });
}

/**
 * Checks a load's `warmup` option against the signature, before any session exists, and builds the
 * feeds it will run; null for `warmup: false`.
 */
export function warmupPlan(option: boolean | WarmupOptions | undefined, signature: ModelSignature): WarmupPlan | null {
  if (option === false) return null;
  if (option !== undefined && option !== true && (option === null || typeof option !== 'object' || Array.isArray(option))) {
    invalid('warmup', `${JSON.stringify(option)} must be true, false, { inputs, count } or { dims }`);
  }
  const options: WarmupOptions = option === undefined || option === true ? {} : option;
  for (const key of Object.keys(options)) if (!['inputs', 'dims', 'count'].includes(key)) invalid(`warmup.${key}`, 'is not an option (inputs, dims, count)');
  const count = options.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000) invalid('warmup.count', `${JSON.stringify(count)} must be a whole number from 1 to 1000`);
  if (options.inputs !== undefined) {
    if (options.dims !== undefined) invalid('warmup', 'give inputs or dims, not both');
    let tensors: Record<string, Tensor>;
    try {
      ({ tensors } = toTensors(undefined as unknown as OrtModule, options.inputs, signature));
    } catch (err) {
      // The same checks as predict(), named as the option they came from.
      if (err instanceof MlopsError) throw new InvalidArgumentError(err.message.replace(/^Invalid inputs/, 'Invalid warmup.inputs'), { cause: err, details: { field: 'warmup.inputs' } });
      throw err;
    }
    return { feeds: tensors, count, description: `the sample given (${shapes(tensors)})` };
  }
  const sizes = options.dims ?? {};
  if (sizes === null || typeof sizes !== 'object' || Array.isArray(sizes)) invalid('warmup.dims', `${JSON.stringify(sizes)} must be an object of symbolic dimension sizes`);
  const symbolic = new Set(signature.inputs.flatMap((s) => (s.shape ?? []).filter((d): d is string => typeof d === 'string')));
  for (const [dim, size] of Object.entries(sizes)) {
    if (!symbolic.has(dim)) invalid(`warmup.dims.${dim}`, `the model has no symbolic dimension ${dim} (it has ${[...symbolic].join(', ') || 'none'})`);
    if (!Number.isSafeInteger(size) || size < 1) invalid(`warmup.dims.${dim}`, `${JSON.stringify(size)} must be a whole number >= 1`);
  }
  const feeds: Record<string, Tensor> = {};
  for (const spec of signature.inputs) {
    const dims = (spec.shape ?? [1]).map((d) => (typeof d === 'number' && d > 0 ? d : typeof d === 'string' ? (sizes[d] ?? 1) : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    const type = spec.elementType ?? 'float32';
    feeds[spec.name] = { type, data: zeros(type, size), dims } as unknown as Tensor;
  }
  return { feeds, count, description: `zeros shaped ${shapes(feeds)}` };
}

function shapes(feeds: Record<string, Tensor>): string {
  return Object.entries(feeds)
    .map(([name, t]) => `${name} [${t.dims.join(', ')}]`)
    .join(', ');
}

/** Runs the plan on a session; a model that cannot run it is refused with FAILED_PRECONDITION naming the shapes tried. */
export async function runWarmup(ort: OrtModule, session: InferenceSession, plan: WarmupPlan): Promise<void> {
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(plan.feeds)) feeds[name] = t instanceof ort.Tensor ? t : new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
  try {
    for (let i = 0; i < plan.count; i++) await session.run(feeds);
  } catch (err) {
    throw new FailedPreconditionError(
      `Warmup failed: the model did not run on ${plan.description} (${(err as Error).message?.split('\n')[0] ?? String(err)}); give warmup: { inputs } a real sample, warmup: { dims } sizes for its symbolic dimensions, or load it with warmup: false`,
      { cause: err },
    );
  }
}
