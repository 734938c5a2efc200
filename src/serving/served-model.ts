import { availableParallelism } from 'node:os';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InvalidArgumentError, UnavailableError } from '../core/errors.js';
import type { ServingBus } from './events.js';
import type { ModelSignature } from '../registry/index.js';
import { batchLayout, type BatchLayout } from './batch-axis.js';
import { DynamicBatcher, type BatchingOptions, type Outputs } from './batcher.js';
import { compileInputs, type InputPreparer, type PredictInputs } from './inputs.js';
import type { OrtModule } from './ort.js';
import { createWorkerSession } from './worker-session.js';
import { runWarmup, warmupPlan, type WarmupPlan } from './warmup.js';

export const PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProvider = (typeof PROVIDERS)[number];

export interface SessionOptions {
  /** `inline` runs inference on the caller's thread; `worker` in a worker thread, keeping the event loop free. Default inline. */
  mode?: 'inline' | 'worker';
  /** Tried in order; one that cannot start is skipped with a `warning` event. Default ['cpu']. */
  executionProviders?: ExecutionProvider[];
  /**
   * Threads for one operator. onnxruntime's default is one per core; in worker mode the default is one
   * fewer (at least 1), so the calling thread keeps a core and its event loop stays free.
   */
  intraOpThreads?: number;
  interOpThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Keep CPU threads spinning between runs (lower latency, busy cores). Default false. */
  spinning?: boolean;
  memoryArena?: boolean;
}

/** One run on zeros (symbolic dimensions as 1), or the load's `warmup` plan: loads kernels and arenas before real traffic. */
export async function warmupSession(ort: OrtModule, session: InferenceSession, signature: ModelSignature, plan?: WarmupPlan | null): Promise<void> {
  const chosen = plan === undefined ? warmupPlan(true, signature) : plan;
  if (chosen !== null) await runWarmup(ort, session, chosen);
}

/** Creates a session with the first execution provider that works. */
export async function createSession(
  ort: OrtModule,
  bytes: Uint8Array,
  options: SessionOptions,
  events: ServingBus,
  label: string,
): Promise<{ session: InferenceSession; provider: ExecutionProvider }> {
  const providers = options.executionProviders ?? ['cpu'];
  if (!Array.isArray(providers) || providers.length === 0) throw new InvalidArgumentError('Invalid executionProviders: list at least one of cuda, webgpu, cpu');
  providers.forEach((p, i) => {
    if (!(PROVIDERS as readonly string[]).includes(p)) throw new InvalidArgumentError(`Invalid executionProviders[${i}]: ${JSON.stringify(p)} must be one of ${PROVIDERS.join(', ')}`);
  });
  for (const field of ['intraOpThreads', 'interOpThreads'] as const) {
    const n = options[field];
    if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(n)} must be a whole number >= 0 (0: onnxruntime's default)`);
  }
  const levels = ['disabled', 'basic', 'extended', 'all'];
  if (options.graphOptimizationLevel !== undefined && !levels.includes(options.graphOptimizationLevel)) {
    throw new InvalidArgumentError(`Invalid graphOptimizationLevel: ${JSON.stringify(options.graphOptimizationLevel)} must be one of ${levels.join(', ')}`);
  }
  const base: InferenceSession.SessionOptions = {
    ...(options.intraOpThreads !== undefined
      ? { intraOpNumThreads: options.intraOpThreads }
      : options.mode === 'worker'
        ? { intraOpNumThreads: Math.max(1, availableParallelism() - 1) }
        : {}),
    ...(options.interOpThreads !== undefined ? { interOpNumThreads: options.interOpThreads } : {}),
    ...(options.graphOptimizationLevel !== undefined ? { graphOptimizationLevel: options.graphOptimizationLevel } : {}),
    ...(options.memoryArena !== undefined ? { enableCpuMemArena: options.memoryArena } : {}),
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
  if (options.mode !== undefined && options.mode !== 'inline' && options.mode !== 'worker') {
    throw new InvalidArgumentError(`Invalid mode: ${JSON.stringify(options.mode)} must be inline or worker`);
  }
  let lastError: unknown;
  for (const provider of providers) {
    try {
      const sessionOptions = { ...base, executionProviders: [provider] };
      const session = options.mode === 'worker' ? await createWorkerSession(bytes, sessionOptions) : await ort.InferenceSession.create(bytes, sessionOptions);
      return { session, provider };
    } catch (err) {
      // A model onnxruntime refuses fails on every provider; saying "cpu is not available" hid the
      // real cause in err.cause. The CPU provider is always there, so its failure is the model's too.
      const message = ((err as Error)?.message ?? String(err)).trim();
      if (provider === 'cpu' || INVALID_MODEL.test(message)) {
        throw new InvalidArgumentError(`Invalid model ${label}: onnxruntime cannot load it: ${message.replace(/^.*?(?=This is an invalid model|Load model|Protobuf|\[ONNXRuntimeError\])/s, '')}`, {
          cause: err,
          details: { field: 'model' },
        });
      }
      lastError = err;
      events.emit('warning', { source: 'serving', message: `${label}: execution provider ${provider} is not available here, trying the next one`, cause: err });
    }
  }
  throw new InvalidArgumentError(`Invalid executionProviders: none of ${providers.join(', ')} could start for ${label}`, { cause: lastError, details: { field: 'executionProviders' } });
}

/**
 * What the controls module (kill switch, output guards) does around predict(). Kept to two calls so
 * serving knows nothing of halts or guards: `admit` before the batch, `release` after it.
 */
export interface PredictGate {
  /** Throws HALTED, returns a fixed safe answer for `rows` rows, or undefined to run the model. */
  admit(rows: number): Outputs | undefined;
  /**
   * Checks the halt state again (a halt that landed while the batch ran answers no prediction) and
   * applies the output guards: returns the outputs (perhaps clamped or replaced) or throws.
   */
  release(outputs: Outputs, tensors: Record<string, Tensor>): Outputs;
}
/** onnxruntime's messages for a model it cannot load on any provider (graph, protobuf, types). */
const INVALID_MODEL = /invalid model|INVALID_GRAPH|INVALID_PROTOBUF|Protobuf parsing failed|ShapeInferenceError|does not exist in the graph|Type Error/i;

/** Runs after each successful prediction, in the order added; if one throws, the caller gets that error. */
export type AfterPredictHook = (tensors: Record<string, Tensor>, outputs: Outputs, seconds: number) => void;
/** Runs after each session run with the rows and requests it carried. */
export type BatchHook = (rows: number, requests: number, seconds: number) => void;

/** The hooks a served model runs, by name (`model.addHook(name, fn)`). */
export interface ServedModelHooks {
  afterPredict: AfterPredictHook;
  batch: BatchHook;
}

export interface SwapEvent {
  name: string;
  from: number | null;
  to: number | null;
  reason: 'alias-moved' | 'revoked-fallback' | 'no-approved-version';
}

/** A loaded model: predict() goes through the dynamic batcher to the session. */
export class ServedModel {
  readonly #batcher: DynamicBatcher;
  readonly #prepare: InputPreparer;
  /** Each input's and output's batch axis, read from the signature; `refusal` says why it cannot batch. */
  readonly layout: BatchLayout;
  #closed = false;
  readonly #listeners = new Set<(e: SwapEvent) => void>();
  /** Session runs in flight on the serving session. */
  #runs = 0;
  /** Swapped-out sessions and the runs still in flight on each. */
  readonly #retiring = new Map<InferenceSession, number>();
  #currentVersion: number | null;
  #unavailable: string | undefined;
  // Hooks as lists, run in the order added (fastify's habit): metrics, prediction log and monitor
  // each add theirs instead of wrapping the one before.
  readonly #afterPredictHooks: AfterPredictHook[] = [];
  readonly #batchHooks: BatchHook[] = [];
  /** Session runs, the requests they served and the rows they carried, since load. */
  readonly stats = { batches: 0, requests: 0, rows: 0 };
  readonly #ort: OrtModule;
  #session: InferenceSession;

  constructor(
    ort: OrtModule,
    session: InferenceSession,
    readonly name: string,
    version: number | null,
    readonly provider: ExecutionProvider,
    readonly signature: ModelSignature,
    batching: BatchingOptions,
  ) {
    this.#ort = ort;
    this.#session = session;
    this.#currentVersion = version;
    this.layout = batchLayout(signature);
    this.#prepare = compileInputs(ort, signature, this.layout);
    const afterPredict = this.#afterPredictHooks;
    const onBatch = this.#batchHooks;
    this.#batcher = new DynamicBatcher(ort, () => this.#session, batching, this.layout, {
      afterRequest: (tensors, outputs, seconds) => {
        for (let i = 0; i < afterPredict.length; i++) (afterPredict[i] as AfterPredictHook)(tensors, outputs, seconds);
      },
      track: (session, delta) => this.#track(session, delta),
      onBatch: (rows, requests, seconds) => {
        this.stats.batches += 1;
        this.stats.requests += requests;
        this.stats.rows += rows;
        for (let i = 0; i < onBatch.length; i++) (onBatch[i] as BatchHook)(rows, requests, seconds);
      },
    });
  }

  /**
   * Adds a hook: `afterPredict` sees each successful prediction's inputs and outputs before its caller
   * (if it throws, the caller gets that error); `batch` sees each session run. Hooks run in the order
   * added. Returns a function that removes the hook.
   */
  addHook<K extends keyof ServedModelHooks>(name: K, fn: ServedModelHooks[K]): () => void {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`Invalid hook: ${name} needs a function, got ${typeof fn}`);
    const list: Array<ServedModelHooks[K]> | undefined =
      name === 'afterPredict' ? (this.#afterPredictHooks as Array<ServedModelHooks[K]>) : name === 'batch' ? (this.#batchHooks as Array<ServedModelHooks[K]>) : undefined;
    if (list === undefined) throw new InvalidArgumentError(`Invalid hook: ${JSON.stringify(name)} (models have afterPredict and batch)`);
    list.push(fn);
    return () => {
      const at = list.indexOf(fn);
      if (at !== -1) list.splice(at, 1);
    };
  }

  readonly #latencies = new Float64Array(1024);
  #latencyCount = 0;

  /** Keeps the last 1024 predict() latencies (seconds) for the dashboard's p50/p99. */
  recordLatency(seconds: number): void {
    this.#latencies[this.#latencyCount++ % this.#latencies.length] = seconds;
  }

  /** p50 and p99 of the last (up to 1024) predict() latencies, in seconds; null before any. */
  recentLatency(): { p50: number; p99: number; samples: number } | null {
    const n = Math.min(this.#latencyCount, this.#latencies.length);
    if (n === 0) return null;
    const sorted = this.#latencies.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.floor(q * n))] as number;
    return { p50: at(0.5), p99: at(0.99), samples: n };
  }

  /** Declared at load: same inputs, same outputs (lets the HTTP server cache responses). */
  deterministic = false;

  /** Loaded, not closed, and a version is serving (false after a revocation left none). */
  get ready(): boolean {
    return !this.#closed && this.#unavailable === undefined;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get queueDepth(): number {
    return this.#batcher.queueDepth;
  }

  /** The registry version serving now (null for a file or bytes). */
  get version(): number | null {
    return this.#currentVersion;
  }

  /** `swap`: the served version changed (hot swap or fallback). */
  on(event: 'swap', listener: (e: SwapEvent) => void): () => void {
    if (event !== 'swap') throw new InvalidArgumentError(`Invalid event: ${JSON.stringify(event)} (models emit 'swap')`);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Switches to a new, warmed-up session at once: batches already running finish on the old session,
   * which is released when the last of them is done.
   */
  swapTo(session: InferenceSession, version: number, reason: SwapEvent['reason']): void {
    if (this.#closed) {
      // Closing: the new session will never serve.
      void session.release().catch(() => undefined);
      return;
    }
    const old = this.#session;
    const runs = this.#runs;
    const from = this.#currentVersion;
    this.#session = session;
    this.#runs = 0;
    this.#currentVersion = version;
    this.#unavailable = undefined;
    this.#retire(old, runs);
    for (const l of this.#listeners) l({ name: this.name, from, to: version, reason });
  }

  /** No approved version is left to serve: requests fail with UNAVAILABLE until one is. */
  suspend(message: string): void {
    this.#unavailable = message;
    const from = this.#currentVersion;
    this.#currentVersion = null;
    for (const l of this.#listeners) l({ name: this.name, from, to: null, reason: 'no-approved-version' });
  }

  /**
   * Counts session runs in flight. The serving session's count is a plain number (the hot path: no
   * allocation per run); a swapped-out session keeps its count in `retiring` and is released when it
   * reaches zero.
   */
  #track(session: InferenceSession, delta: number): void {
    if (session === this.#session) {
      this.#runs += delta;
      return;
    }
    const n = (this.#retiring.get(session) ?? 0) + delta;
    if (n > 0) this.#retiring.set(session, n);
    else {
      this.#retiring.delete(session);
      void session.release().catch(() => undefined);
    }
  }

  /** Releases a swapped-out session now, or when the runs still on it finish. */
  #retire(session: InferenceSession, runs: number): void {
    if (runs > 0) this.#retiring.set(session, runs);
    else void session.release().catch(() => undefined);
  }

  /** @internal Kill switch and output guards, set at load by the controls module (see PredictGate). */
  gate: PredictGate | undefined;

  /** Builds input rows from entity keys through the online feature store (set when loaded with features). */
  joiner: ((entities: Array<Record<string, unknown>>) => Promise<number[][]>) | undefined;

  /**
   * Runs the model on one caller's inputs (checked against the signature), batched with others. With
   * features configured at load, `{ entities: [{ symbol: 'AAPL' }] }` reads the features and builds
   * the input rows.
   */
  predict(inputs: PredictInputs | { entities: Array<Record<string, unknown>> }): Promise<Outputs> {
    // Not async: the batch-1 path costs one promise turn beyond session.run, not three.
    try {
      if (this.#closed) throw new UnavailableError(`Model ${this.name} is closed`);
      if (this.#unavailable !== undefined) throw new UnavailableError(this.#unavailable);
      if (this.joiner !== undefined && inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs) && !ArrayBuffer.isView(inputs) && 'entities' in inputs && Array.isArray(inputs.entities)) {
        const joiner = this.joiner;
        return joiner((inputs as { entities: Array<Record<string, unknown>> }).entities).then((rows) => this.predict(rows));
      }
      const started = performance.now();
      const { tensors, rows } = this.#prepare(inputs as PredictInputs);
      const gate = this.gate;
      if (gate === undefined) return this.#batcher.submit(tensors, rows, started);
      const fixed = gate.admit(rows);
      if (fixed !== undefined) return Promise.resolve(fixed);
      return this.#batcher.submit(tensors, rows, started).then((outputs) => gate.release(outputs, tensors));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs once on zeros (or the load's warmup plan) so the first real request does not pay for lazy initialisation. */
  async warmup(plan?: WarmupPlan | null): Promise<void> {
    await warmupSession(this.#ort, this.#session, this.signature, plan);
  }

  readonly #closers: Array<() => void> = [];

  /** @internal Runs `fn` when the model closes (stop following an alias, unregister metrics). */
  whenClosed(fn: () => void): void {
    this.#closers.push(fn);
  }

  #closing: Promise<void> | undefined;

  /**
   * Stops taking requests (predict() then fails with UNAVAILABLE), answers every request already
   * accepted, then releases the session and what the model registered. Calling it again waits for
   * the same close.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#batcher.whenIdle();
      for (const fn of this.#closers.splice(0)) fn();
      this.#listeners.clear();
      await this.#session.release();
    })();
    return this.#closing;
  }
}
