import { InvalidArgumentError } from '../core/errors.js';
import { hostSlicer } from '../core/time-slice.js';
import { LIMITS } from '../search/index.js';
import type { NormalizedMetric, RunWriter } from './run-writes.js';

export interface BufferOptions {
  /** Flush when this many points wait. Default 1000 (one MLflow batch). */
  maxItems?: number;
  /** Flush at least this often (ms). Default 1000. */
  flushIntervalMs?: number;
}

/**
 * Metric points of one run batched in memory for training loops. Points are validated when logged,
 * so a flush fails only when the store does; failed points stay queued and are retried. A logger
 * that outruns the store waits (back-pressure) instead of growing memory without bound.
 */
export class MetricBuffer {
  private pending: NormalizedMetric[] = [];
  private inflight: Promise<void> = Promise.resolve();
  private waiting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastError: unknown;
  private fullPending = false;
  private readonly maxItems: number;
  private readonly highWater: number;

  constructor(
    private readonly writer: RunWriter,
    private readonly runId: string,
    options: BufferOptions,
    private readonly onBackgroundError: (err: unknown) => void,
  ) {
    this.maxItems = options.maxItems ?? LIMITS.batchMetrics;
    const interval = options.flushIntervalMs ?? 1000;
    if (!Number.isSafeInteger(this.maxItems) || this.maxItems < 1 || this.maxItems > LIMITS.batchMetrics) {
      throw new InvalidArgumentError(`Invalid buffer.maxItems: ${this.maxItems} must be an integer from 1 to ${LIMITS.batchMetrics}`);
    }
    if (!Number.isSafeInteger(interval) || interval < 1) {
      throw new InvalidArgumentError(`Invalid buffer.flushIntervalMs: ${interval} must be a positive integer`);
    }
    this.highWater = this.maxItems * 20;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), interval);
    this.timer.unref();
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Queues points; resolves at once unless the queue is past its high-water mark. Points are queued
   * only when add() resolves: past the mark with a store that cannot take a batch, add() rejects
   * with the store's error (UNAVAILABLE) and queues nothing, so memory stays bounded however long
   * the store is down.
   */
  async add(points: NormalizedMetric[]): Promise<void> {
    // Adding touches no I/O: a training loop awaiting only this would hold the host's event loop
    // until the high-water mark, so each add checks the host's time slice (free while budget remains).
    await hostSlicer.yield();
    if (this.pending.length >= this.highWater) await this.flushFull();
    for (const p of points) this.pending.push(p);
    if (this.pending.length >= this.maxItems) {
      const flushing = this.flushFull().catch(() => undefined);
      if (this.pending.length >= this.highWater) await flushing;
    }
  }

  /** Writes everything queued so far; rejects with the store's error if a write failed. */
  flush(): Promise<void> {
    // One flush waiting behind the one in flight is enough (it writes what is queued when it starts).
    // Chaining one per timer tick grew without bound whenever a write took longer than the interval,
    // as every write does while the store is down and its connection retries run.
    this.waiting ??= this.inflight = this.inflight
      .catch(() => undefined)
      .then(() => {
        this.waiting = undefined;
        return this.drain(1);
      });
    return this.waiting;
  }

  /**
   * Writes full batches only. A training loop keeps adding while a batch is written; writing the
   * few points that arrived meanwhile as their own transactions would cost a commit each.
   */
  private flushFull(): Promise<void> {
    if (this.fullPending) return this.inflight;
    this.fullPending = true;
    this.inflight = this.inflight
      .catch(() => undefined)
      .then(() => this.drain(this.maxItems))
      .finally(() => {
        this.fullPending = false;
      });
    return this.inflight;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async drain(atLeast: number): Promise<void> {
    while (this.pending.length >= atLeast && this.pending.length > 0) {
      const chunk = this.pending.splice(0, this.maxItems);
      try {
        await this.writer.write(this.runId, { metrics: chunk, params: [], tags: [] });
        this.lastError = undefined;
      } catch (err) {
        this.pending.unshift(...chunk);
        if (this.lastError === undefined) this.onBackgroundError(err);
        this.lastError = err;
        throw err;
      }
    }
  }
}
