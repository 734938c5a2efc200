import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InvalidArgumentError, UnavailableError, toMlopsError } from '../core/errors.js';
import type { OrtModule } from './ort.js';
import { TYPED_ARRAYS } from './tensor-types.js';

export interface BatchingOptions {
  /** Most rows in one session run. Default 256. */
  maxBatchSize?: number;
  /** How long the first request of a batch waits for company (µs). Default 200. */
  maxDelayMicros?: number;
  /** Most rows waiting; beyond it predict() fails at once with UNAVAILABLE. Default 16 x maxBatchSize. */
  maxQueueRows?: number;
}

export type Outputs = Record<string, { data: ArrayLike<unknown>; dims: number[]; type: string }>;

interface Pending {
  tensors: Record<string, Tensor>;
  rows: number;
  resolve: (out: Outputs) => void;
  reject: (err: unknown) => void;
}

/**
 * Dynamic batching with Triton's semantics: concurrent requests are joined along the first
 * dimension up to `maxBatchSize` rows, the first waiting at most `maxDelayMicros`; outputs are split
 * back per caller; a failing batch fails only its own callers; the queue is bounded.
 */
export class DynamicBatcher {
  private queue: Pending[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly maxBatchSize: number;
  readonly maxDelayMicros: number;
  readonly maxQueueRows: number;
  onBatch: ((rows: number, requests: number, seconds: number) => void) | undefined;
  /** Told when a batch starts (+1) and ends (-1) on a session, so a swapped-out one is released only when idle. */
  track: ((session: InferenceSession, delta: number) => void) | undefined;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: () => InferenceSession,
    options: BatchingOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.maxDelayMicros = options.maxDelayMicros ?? 200;
    this.maxQueueRows = options.maxQueueRows ?? this.maxBatchSize * 16;
    if (!Number.isSafeInteger(this.maxBatchSize) || this.maxBatchSize < 1) throw new InvalidArgumentError(`Invalid batching.maxBatchSize: ${this.maxBatchSize} must be a positive integer`);
    if (!Number.isFinite(this.maxDelayMicros) || this.maxDelayMicros < 0) throw new InvalidArgumentError(`Invalid batching.maxDelayMicros: ${this.maxDelayMicros} must be >= 0`);
    if (!Number.isSafeInteger(this.maxQueueRows) || this.maxQueueRows < this.maxBatchSize) {
      throw new InvalidArgumentError(`Invalid batching.maxQueueRows: ${this.maxQueueRows} must be an integer >= maxBatchSize (${this.maxBatchSize})`);
    }
  }

  get queueDepth(): number {
    return this.queuedRows;
  }

  /**
   * Runs one request's tensors in a batch. `done` sees the outputs before the caller does (metrics,
   * logging) without costing the caller another promise turn.
   */
  submit(tensors: Record<string, Tensor>, rows: number, done?: (outputs: Outputs) => void): Promise<Outputs> {
    if (rows > this.maxBatchSize) {
      // Larger than a batch: run alone rather than split.
      const alone = this.runBatch([{ tensors, rows, resolve: () => undefined, reject: () => undefined }], true);
      return done === undefined ? alone : alone.then((out) => (done(out), out));
    }
    if (this.maxDelayMicros === 0 && !this.running && this.queue.length === 0) return this.runNow(tensors, rows, done);
    if (this.queuedRows + rows > this.maxQueueRows) {
      return Promise.reject(new UnavailableError(`Prediction queue is full (${this.queuedRows} rows waiting, limit ${this.maxQueueRows}); retry later`));
    }
    return new Promise<Outputs>((resolve, reject) => {
      const settle =
        done === undefined
          ? resolve
          : (out: Outputs) => {
              try {
                done(out);
                resolve(out);
              } catch (err) {
                reject(err);
              }
            };
      this.queue.push({ tensors, rows, resolve: settle, reject });
      this.queuedRows += rows;
      this.schedule();
    });
  }

  /** Nothing waits and no delay is wanted: run this request at once, without queueing it. */
  private async runNow(tensors: Record<string, Tensor>, rows: number, done: ((outputs: Outputs) => void) | undefined): Promise<Outputs> {
    this.running = true;
    const started = performance.now();
    const session = this.session();
    this.track?.(session, 1);
    try {
      let result: Outputs;
      try {
        result = (await session.run(this.materialize(tensors))) as unknown as Outputs;
      } catch (err) {
        throw toMlopsError(err, 'Inference failed');
      }
      this.onBatch?.(rows, 1, (performance.now() - started) / 1000);
      done?.(result);
      return result;
    } finally {
      this.track?.(session, -1);
      this.running = false;
      if (this.queue.length > 0) this.schedule();
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
        const batch: Pending[] = [];
        let rows = 0;
        while (this.queue.length > 0 && rows + (this.queue[0] as Pending).rows <= this.maxBatchSize) {
          const p = this.queue.shift() as Pending;
          batch.push(p);
          rows += p.rows;
        }
        this.queuedRows -= rows;
        await this.runBatch(batch, false).catch(() => undefined);
        if (this.queue.length > 0 && this.queuedRows < this.maxBatchSize && this.maxDelayMicros > 0) break;
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async runBatch(batch: Pending[], alone: boolean): Promise<Outputs> {
    const started = performance.now();
    const session = this.session();
    this.track?.(session, 1);
    try {
      const feeds = batch.length === 1 ? this.materialize((batch[0] as Pending).tensors) : this.concat(batch);
      const result = await session.run(feeds);
      const rows = batch.reduce((s, p) => s + p.rows, 0);
      this.onBatch?.(rows, batch.length, (performance.now() - started) / 1000);
      // ort.Tensors already have data, dims and type: no copy.
      const outputs = result as unknown as Outputs;
      if (alone) return outputs;
      if (batch.length === 1) (batch[0] as Pending).resolve(outputs);
      else this.split(batch, outputs);
      return outputs;
    } catch (err) {
      const error = toMlopsError(err, 'Inference failed');
      if (alone) throw error;
      for (const p of batch) p.reject(error);
      throw error;
    } finally {
      this.track?.(session, -1);
    }
  }

  /** Requests carry plain { type, data, dims }; the session wants ort.Tensors. */
  private materialize(tensors: Record<string, Tensor>): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) out[name] = t instanceof this.ort.Tensor ? t : new this.ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    return out;
  }

  private concat(batch: Pending[]): Record<string, Tensor> {
    const first = (batch[0] as Pending).tensors;
    const feeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(first)) {
      const rows = batch.reduce((s, p) => s + ((p.tensors[name] as Tensor).dims[0] ?? 1), 0);
      const size = batch.reduce((s, p) => s + (p.tensors[name] as Tensor).data.length, 0);
      let data: ArrayLike<unknown>;
      const Ctor = TYPED_ARRAYS[t.type];
      if (Ctor === undefined) {
        data = batch.flatMap((p) => Array.from((p.tensors[name] as Tensor).data as ArrayLike<unknown>));
      } else {
        const out = new Ctor(size);
        let offset = 0;
        for (const p of batch) {
          const d = (p.tensors[name] as Tensor).data as ArrayLike<unknown>;
          out.set(d, offset);
          offset += d.length;
        }
        data = out;
      }
      feeds[name] = new this.ort.Tensor(t.type as 'float32', data as Float32Array, [rows, ...t.dims.slice(1)]);
    }
    return feeds;
  }

  private split(batch: Pending[], outputs: Outputs): void {
    const total = batch.reduce((s, p) => s + p.rows, 0);
    let row = 0;
    for (const p of batch) {
      const mine: Outputs = {};
      for (const [name, o] of Object.entries(outputs)) {
        if (o.dims[0] !== total) {
          // Not batched along the first dimension: every caller sees the whole output.
          mine[name] = o;
          continue;
        }
        const width = o.dims.slice(1).reduce((a, b) => a * b, 1);
        // slice copies, so one caller's result never aliases another's.
        const data = o.data as unknown as { slice: (a: number, b: number) => ArrayLike<unknown> };
        const piece = data.slice(row * width, (row + p.rows) * width);
        mine[name] = { data: piece, dims: [p.rows, ...o.dims.slice(1)], type: o.type };
      }
      row += p.rows;
      p.resolve(mine);
    }
  }
}
