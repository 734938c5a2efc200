import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InvalidArgumentError, UnavailableError, toMlopsError } from '../core/errors.js';
import { sessionRunner, type OrtModule, type SessionRunner } from './ort.js';
import { span, type BatchLayout } from './batch-axis.js';
import { TYPED_ARRAYS } from './tensor-types.js';

export interface BatchingOptions {
  /** Most rows in one session run. Default 256. */
  maxBatchSize?: number;
  /** How long the first request of a batch waits for company (µs). Default 200. */
  maxDelayMicros?: number;
  /** Most rows waiting; beyond it predict() fails at once with UNAVAILABLE. Default 16 x maxBatchSize. */
  maxQueueRows?: number;
  /**
   * Longest a request may wait in the queue before its batch starts (µs); one that waited longer is
   * answered UNAVAILABLE instead of being run (Triton's queue policy with timeout_action REJECT: a
   * prediction that comes too late is worth less than a fast refusal). Default: no limit.
   */
  queueTimeoutMicros?: number;
}

export type Outputs = Record<string, { data: ArrayLike<unknown>; dims: number[]; type: string }>;

interface Pending {
  tensors: Record<string, Tensor>;
  rows: number;
  resolve: (out: Outputs) => void;
  reject: (err: unknown) => void;
  /** performance.now() when the caller asked. */
  started: number;
}

/** Sees a request's outputs before its caller does (metrics, logging); if it throws, the caller gets that error. */
export type AfterRequest = (tensors: Record<string, Tensor>, outputs: Outputs, seconds: number) => void;

/** Same length and the same values (a scalar or a fixed table passed with each request). */
function sameValues(x: ArrayLike<unknown>, y: ArrayLike<unknown>): boolean {
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Two requests can share a session run when every batched input has the same dimensions apart from
 * its batch axis, and every input without one is the same tensor (dimensions and values).
 */
function sameShape(a: Record<string, Tensor>, b: Record<string, Tensor>, axes: Readonly<Record<string, number>>): boolean {
  for (const name in a) {
    const t = a[name] as Tensor;
    const u = b[name];
    const x = t.dims;
    const y = u?.dims;
    if (y === undefined || x.length !== y.length) return false;
    const axis = axes[name] ?? 0;
    for (let i = 0; i < x.length; i++) if (i !== axis && x[i] !== y[i]) return false;
    if (axis < 0 && !sameValues(t.data as ArrayLike<unknown>, (u as Tensor).data as ArrayLike<unknown>)) return false;
  }
  return true;
}

/** Batching options with their defaults, each checked and named when wrong (load() checks them before a session exists). */
export function checkBatching(options: BatchingOptions = {}): Required<Omit<BatchingOptions, 'queueTimeoutMicros'>> & { queueTimeoutMicros: number | undefined } {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`Invalid batching: expected an object, got ${JSON.stringify(options)}`);
  const maxBatchSize = options.maxBatchSize ?? 256;
  const maxDelayMicros = options.maxDelayMicros ?? 200;
  const maxQueueRows = options.maxQueueRows ?? maxBatchSize * 16;
  const queueTimeoutMicros = options.queueTimeoutMicros;
  if (!Number.isSafeInteger(maxBatchSize) || maxBatchSize < 1) throw new InvalidArgumentError(`Invalid batching.maxBatchSize: ${JSON.stringify(maxBatchSize)} must be a positive integer`);
  if (typeof maxDelayMicros !== 'number' || !Number.isFinite(maxDelayMicros) || maxDelayMicros < 0) throw new InvalidArgumentError(`Invalid batching.maxDelayMicros: ${JSON.stringify(maxDelayMicros)} must be >= 0`);
  if (!Number.isSafeInteger(maxQueueRows) || maxQueueRows < maxBatchSize) {
    throw new InvalidArgumentError(`Invalid batching.maxQueueRows: ${JSON.stringify(maxQueueRows)} must be an integer >= maxBatchSize (${maxBatchSize})`);
  }
  if (queueTimeoutMicros !== undefined && (typeof queueTimeoutMicros !== 'number' || !Number.isFinite(queueTimeoutMicros) || queueTimeoutMicros <= 0)) {
    throw new InvalidArgumentError(`Invalid batching.queueTimeoutMicros: ${JSON.stringify(queueTimeoutMicros)} must be a number of microseconds > 0`);
  }
  return { maxBatchSize, maxDelayMicros, maxQueueRows, queueTimeoutMicros };
}

/**
 * Dynamic batching with Triton's semantics: concurrent requests are joined along the first
 * dimension up to `maxBatchSize` rows, the first waiting at most `maxDelayMicros`; outputs are split
 * back per caller; a failing batch fails only its own callers; the queue is bounded.
 */
/** What the batcher tells its owner, fixed at construction (no writable hook fields to overwrite). */
export interface BatcherHooks {
  /**
   * Sees each request's outputs before its caller does (metrics, logging), without costing the caller
   * another promise turn; `seconds` runs from `started` given to submit().
   */
  afterRequest?: AfterRequest;
  /** After each session run: the rows and requests it carried and how long it took. */
  onBatch?: (rows: number, requests: number, seconds: number) => void;
  /** Told when a batch starts (+1) and ends (-1) on a session, so a swapped-out one is released only when idle. */
  track?: (session: InferenceSession, delta: number) => void;
}

export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly maxBatchSize: number;
  readonly maxDelayMicros: number;
  readonly maxQueueRows: number;
  readonly queueTimeoutMicros: number | undefined;
  private readonly onBatch: BatcherHooks['onBatch'];
  private readonly track: BatcherHooks['track'];

  /** False for a model with no batch axis: each request runs alone, as soon as the session is free. */
  readonly batches: boolean;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: () => InferenceSession,
    options: BatchingOptions = {},
    private readonly layout: BatchLayout = { dim: null, inputs: {}, outputs: {}, refusal: undefined },
    hooks: BatcherHooks = {},
  ) {
    this.onBatch = hooks.onBatch;
    this.track = hooks.track;
    this.afterRequest = hooks.afterRequest;
    const checked = checkBatching(options);
    this.batches = layout.refusal === undefined;
    this.maxBatchSize = this.batches ? checked.maxBatchSize : 1;
    this.maxDelayMicros = this.batches ? checked.maxDelayMicros : 0;
    this.maxQueueRows = checked.maxQueueRows;
    this.queueTimeoutMicros = checked.queueTimeoutMicros;
  }

  get queueDepth(): number {
    return this.queuedRows;
  }

  /** Session runs in flight (batches, batch-1 runs and oversized requests). */
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  /** Resolves once nothing is queued or running: everything accepted so far has been answered. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.active === 0 && this.queue.length === 0;
  }

  /** Starts a session run: counted for whenIdle(), and told to `track` so a swapped-out session outlives it. */
  private beginRun(): InferenceSession {
    this.active += 1;
    const session = this.session();
    this.track?.(session, 1);
    return session;
  }

  private endRun(session: InferenceSession): void {
    this.track?.(session, -1);
    this.active -= 1;
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length > 0 && this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private readonly afterRequest: BatcherHooks['afterRequest'];

  /** Hands a request its outputs: afterRequest first, then the caller. */
  private settle(p: Pending, outputs: Outputs, now: number): void {
    const after = this.afterRequest;
    if (after === undefined) {
      p.resolve(outputs);
      return;
    }
    try {
      after(p.tensors, outputs, (now - p.started) / 1000);
      p.resolve(outputs);
    } catch (err) {
      p.reject(err);
    }
  }

  /** Runs one request's tensors in a batch; `started` is performance.now() when the caller asked. */
  submit(tensors: Record<string, Tensor>, rows: number, started = performance.now()): Promise<Outputs> {
    if (rows > this.maxBatchSize) {
      // Larger than a batch: run alone rather than split.
      return new Promise<Outputs>((resolve, reject) => void this.runBatch([{ tensors, rows, resolve, reject, started }]));
    }
    if (this.maxDelayMicros === 0 && !this.running && this.queue.length === 0) return this.runNow(tensors, rows, started);
    if (this.queuedRows + rows > this.maxQueueRows) {
      return Promise.reject(new UnavailableError(`Prediction queue is full (${this.queuedRows} rows waiting, limit ${this.maxQueueRows}); retry later`));
    }
    return new Promise<Outputs>((resolve, reject) => {
      this.queue.push({ tensors, rows, resolve, reject, started });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  private runnerSession: InferenceSession | undefined;
  private runner: SessionRunner | undefined;

  /** The runner for a session, made once per session (it changes only on a hot swap). */
  private runnerOf(session: InferenceSession): SessionRunner {
    if (session !== this.runnerSession || this.runner === undefined) {
      this.runner = sessionRunner(session);
      this.runnerSession = session;
    }
    return this.runner;
  }

  /** Nothing waits and no delay is wanted: run this request at once, without queueing it. */
  private async runNow(tensors: Record<string, Tensor>, rows: number, started: number): Promise<Outputs> {
    // An async method rather than .then() callbacks: no closures made per call on the batch-1 path.
    this.running = true;
    const session = this.beginRun();
    try {
      let outputs: Outputs;
      try {
        outputs = (await this.runnerOf(session)(this.materialize(tensors))) as unknown as Outputs;
      } catch (err) {
        throw toMlopsError(err, 'Inference failed');
      }
      const seconds = (performance.now() - started) / 1000;
      this.onBatch?.(rows, 1, seconds);
      this.afterRequest?.(tensors, outputs, seconds);
      return outputs;
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
      this.endRun(session);
    }
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined) return;
    // A full batch, or no batching delay at all: run now rather than after a turn of the event loop.
    if (this.queuedRows >= this.maxBatchSize || this.maxDelayMicros === 0) {
      void this.drain();
      return;
    }
    const fire = () => {
      this.timer = undefined;
      void this.drain();
    };
    this.timer = this.maxDelayMicros < 1000 ? setImmediate(fire) : setTimeout(fire, this.maxDelayMicros / 1000);
  }

  /**
   * Takes the next batch: requests in arrival order up to maxBatchSize rows, passing over those whose
   * dimensions (apart from the batch axis) or unbatched inputs differ from the oldest request's (they
   * wait for a batch of their own).
   */
  private take(): Pending[] {
    const queue = this.queue;
    const first = queue[0] as Pending;
    const batch: Pending[] = [first];
    let rows = first.rows;
    let passed: Pending[] | undefined;
    let i = 1;
    for (; i < queue.length && this.batches; i++) {
      const p = queue[i] as Pending;
      if (!sameShape(first.tensors, p.tensors, this.layout.inputs)) {
        (passed ??= []).push(p);
        continue;
      }
      if (rows + p.rows > this.maxBatchSize) break;
      batch.push(p);
      rows += p.rows;
    }
    this.queue = passed === undefined ? queue.slice(i) : passed.concat(queue.slice(i));
    this.queuedRows -= rows;
    return batch;
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (this.queueTimeoutMicros !== undefined && this.expire(this.queueTimeoutMicros) === 0) break;
        await this.runBatch(this.take());
        if (this.queue.length > 0 && this.queuedRows < this.maxBatchSize && this.maxDelayMicros > 0) break;
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** Answers UNAVAILABLE to every queued request that waited longer than `limit` µs; returns how many are left. */
  private expire(limit: number): number {
    const now = performance.now();
    const oldest = this.queue[0] as Pending;
    if ((now - oldest.started) * 1000 <= limit) return this.queue.length; // the oldest is in time, so all are
    const kept: Pending[] = [];
    for (const p of this.queue) {
      const waited = (now - p.started) * 1000;
      if (waited <= limit) kept.push(p);
      else {
        this.queuedRows -= p.rows;
        p.reject(new UnavailableError(`Prediction waited ${Math.round(waited)} µs in the queue, longer than batching.queueTimeoutMicros (${limit}); it was not run`));
      }
    }
    this.queue = kept;
    this.notifyIfIdle();
    return kept.length;
  }

  /** One session run for a batch; every caller in it gets its rows or the batch's error. Never rejects. */
  private async runBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const session = this.beginRun();
    try {
      let outputs: Outputs;
      try {
        const feeds = batch.length === 1 ? this.materialize((batch[0] as Pending).tensors) : this.concat(batch);
        // ort.Tensors already have data, dims and type: no copy.
        outputs = (await this.runnerOf(session)(feeds)) as unknown as Outputs;
      } catch (err) {
        const error = toMlopsError(err, 'Inference failed');
        for (const p of batch) p.reject(error);
        return;
      }
      let rows = 0;
      for (const p of batch) rows += p.rows;
      const now = performance.now();
      this.onBatch?.(rows, batch.length, (now - started) / 1000);
      if (batch.length === 1) this.settle(batch[0] as Pending, outputs, now);
      else this.split(batch, rows, outputs, now);
    } finally {
      this.endRun(session);
    }
  }

  /** Requests carry plain { type, data, dims }; the session wants ort.Tensors. */
  private materialize(tensors: Record<string, Tensor>): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const Tensor = this.ort.Tensor;
    for (const name in tensors) {
      const t = tensors[name] as Tensor;
      out[name] = t instanceof Tensor ? t : new Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    return out;
  }

  /**
   * Joins the batch's inputs along each one's batch axis (take() saw that the other dimensions agree);
   * an input without one is the same in every request and passed once.
   */
  private concat(batch: Pending[]): Record<string, Tensor> {
    const first = (batch[0] as Pending).tensors;
    const feeds: Record<string, Tensor> = {};
    for (const name in first) {
      const t = first[name] as Tensor;
      const axis = this.layout.inputs[name] ?? 0;
      if (axis < 0) {
        feeds[name] = t instanceof this.ort.Tensor ? t : new this.ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
        continue;
      }
      let rows = 0;
      let size = 0;
      for (const p of batch) {
        const d = p.tensors[name] as Tensor;
        rows += d.dims[axis] ?? 1;
        size += d.data.length;
      }
      const Ctor = TYPED_ARRAYS[t.type];
      const out: { [i: number]: unknown; length: number; set?: (a: ArrayLike<unknown>, o: number) => void } = Ctor === undefined ? new Array<unknown>(size) : new Ctor(size);
      // `outer` blocks (the dimensions before the batch axis), each holding every request's rows in turn.
      const outer = span(t.dims, 0, axis);
      const inner = span(t.dims, axis + 1, t.dims.length);
      let offset = 0;
      for (let o = 0; o < outer; o++) {
        for (const p of batch) {
          const d = p.tensors[name] as Tensor;
          const data = d.data as ArrayLike<unknown> & { subarray?: (a: number, b: number) => ArrayLike<unknown> };
          const block = (d.dims[axis] ?? 1) * inner;
          if (outer === 1 && out.set !== undefined) out.set(data, offset);
          else if (out.set !== undefined && data.subarray !== undefined) out.set(data.subarray(o * block, (o + 1) * block), offset);
          else for (let k = 0; k < block; k++) out[offset + k] = data[o * block + k];
          offset += block;
        }
      }
      const dims = t.dims.slice();
      dims[axis] = rows;
      feeds[name] = new this.ort.Tensor(t.type as 'float32', out as Float32Array, dims);
    }
    return feeds;
  }

  /** Gives each caller its own rows of every output, along the output's batch axis. */
  private split(batch: Pending[], total: number, outputs: Outputs, now: number): void {
    // Worked out once per batch, not once per caller.
    const names: string[] = [];
    const plan: Array<{ o: Outputs[string]; axis: number; outer: number; inner: number } | undefined> = [];
    for (const name in outputs) {
      const o = outputs[name] as Outputs[string];
      names.push(name);
      const axis = this.layout.outputs[name] ?? 0;
      // An output not batched along its batch axis (or without one): every caller sees the whole of it.
      if (axis < 0 || o.dims[axis] !== total) plan.push(undefined);
      else plan.push({ o, axis, outer: span(o.dims, 0, axis), inner: span(o.dims, axis + 1, o.dims.length) });
    }
    let row = 0;
    for (const p of batch) {
      const mine: Outputs = {};
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const step = plan[k];
        if (step === undefined) {
          mine[name] = outputs[name] as Outputs[string];
          continue;
        }
        const dims = step.o.dims.slice();
        dims[step.axis] = p.rows;
        mine[name] = { data: rowsOf(step.o.data, step.outer, step.inner, total, row, p.rows), dims, type: step.o.type };
      }
      row += p.rows;
      this.settle(p, mine, now);
    }
  }
}

/**
 * Rows [from, from + count) of data laid out as [outer, total, inner], as a copy (so one caller's
 * result never aliases another's): one slice when the batch axis is first.
 */
function rowsOf(data: ArrayLike<unknown>, outer: number, inner: number, total: number, from: number, count: number): ArrayLike<unknown> {
  const sliceable = data as unknown as { slice: (a: number, b: number) => ArrayLike<unknown> & { set?: (a: ArrayLike<unknown>, o: number) => void } };
  if (outer === 1) return sliceable.slice(from * inner, (from + count) * inner);
  const block = count * inner;
  const out = sliceable.slice(0, outer * block) as { [i: number]: unknown; length: number; set?: (a: ArrayLike<unknown>, o: number) => void };
  const view = data as ArrayLike<unknown> & { subarray?: (a: number, b: number) => ArrayLike<unknown> };
  for (let o = 0; o < outer; o++) {
    const start = (o * total + from) * inner;
    if (out.set !== undefined && view.subarray !== undefined) out.set(view.subarray(start, start + block), o * block);
    else for (let k = 0; k < block; k++) out[o * block + k] = data[start + k];
  }
  return out;
}
