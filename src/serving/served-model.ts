import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InvalidArgumentError } from '../core/errors.js';
import type { EventBus, MlopsEvents } from '../core/events.js';
import type { ModelSignature } from '../registry/types.js';
import { DynamicBatcher, type BatchingOptions, type Outputs } from './batcher.js';
import { toTensors, type PredictInputs } from './inputs.js';
import type { OrtModule } from './ort.js';

export const PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof PROVIDERS)[number];

export interface SessionOptions {
  /** Tried in order; one that cannot start is skipped with a `warning` event. Default ['cpu']. */
  executionProviders?: ExecutionProvider[];
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Keep CPU threads spinning between runs (lower latency, busy cores). Default false. */
  spinning?: boolean;
  memoryArena?: boolean;
}

/** Creates a session with the first execution provider that works. */
export async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
  options: SessionOptions,
  events: EventBus<MlopsEvents>,
  label: string,
): Promise<{ session: InferenceSession; provider: ExecutionProvider }> {
  const providers = options.executionProviders ?? ['cpu'];
  if (!Array.isArray(providers) || providers.length === 0) throw new InvalidArgumentError('Invalid executionProviders: list at least one of cuda, webgpu, cpu');
  providers.forEach((p, i) => {
    if (!(PROVIDERS as readonly string[]).includes(p)) throw new InvalidArgumentError(`Invalid executionProviders[${i}]: ${JSON.stringify(p)} must be one of ${PROVIDERS.join(', ')}`);
  });
  const base: InferenceSession.SessionOptions = {
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads !== undefined ? { interOpNumThreads: options.interOpThreads } : {}),
    ...(options.graphOptimizationLevel !== undefined ? { graphOptimizationLevel: options.graphOptimizationLevel } : {}),
    ...(options.memoryArena !== undefined ? { enableCpuMemArena: options.memoryArena } : {}),
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: [provider] });
      return { session, provider };
    } catch (err) {
      lastError = err;
      events.emit('warning', { source: 'serving', message: `${label}: execution provider ${provider} is not available here, trying the next one`, cause: err });
    }
  }
  throw new InvalidArgumentError(`Invalid executionProviders: none of ${providers.join(', ')} could start for ${label}`, { cause: lastError });
}

/** A loaded model: predict() goes through the dynamic batcher to the session. */
export class ServedModel {
  private readonly batcher: DynamicBatcher;
  private closed = false;
  /** Session runs, the requests they served and the rows they carried, since load. */
  readonly stats = { batches: 0, requests: 0, rows: 0 };

  constructor(
    private readonly ort: OrtModule,
    private session: InferenceSession,
    readonly name: string,
    readonly version: number | null,
    readonly provider: ExecutionProvider,
    readonly signature: ModelSignature,
    batching: BatchingOptions,
  ) {
    this.batcher = new DynamicBatcher(ort, () => this.session, batching);
    this.batcher.onBatch = (rows, requests) => {
      this.stats.batches += 1;
      this.stats.requests += requests;
      this.stats.rows += rows;
    };
  }

  get queueDepth(): number {
    return this.batcher.queueDepth;
  }

  /** Runs the model on one caller's inputs (checked against the signature), batched with others. */
  async predict(inputs: PredictInputs): Promise<Outputs> {
    if (this.closed) throw new InvalidArgumentError(`Model ${this.name} is closed`);
    const { tensors, rows } = toTensors(this.ort, inputs, this.signature);
    return this.batcher.submit(tensors, rows);
  }

  /** Runs once on zeros so the first real request does not pay for lazy initialisation. */
  async warmup(): Promise<void> {
    const feeds: Record<string, unknown> = {};
    for (const spec of this.signature.inputs) {
      const dims = (spec.shape ?? [1]).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
      const size = dims.reduce((a, b) => a * b, 1);
      const type = spec.elementType ?? 'float32';
      const data = type === 'int64' ? new BigInt64Array(size) : type === 'string' ? new Array<string>(size).fill('') : type === 'float64' ? new Float64Array(size) : type === 'int32' ? new Int32Array(size) : type === 'bool' ? new Uint8Array(size) : new Float32Array(size);
      feeds[spec.name] = new this.ort.Tensor(type as 'float32', data as Float32Array, dims);
    }
    await this.session.run(feeds as Record<string, Tensor>);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
