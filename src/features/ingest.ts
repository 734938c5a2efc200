import { InvalidArgumentError } from '../core/errors.js';
import type { FeatureRow, PushTarget } from './types.js';

/** A message from a stream: rows plus an acknowledgement to call once they are written. */
export interface StreamMessage {
  rows: FeatureRow[];
  ack(): Promise<void> | void;
}

export interface IngestOptions {
  to?: PushTarget;
  /** Write when this many rows wait. Default 500. */
  batchSize?: number;
  /** Write at least this often while rows wait (ms). Default 100. */
  maxDelayMs?: number;
  signal?: AbortSignal;
}

export interface IngestStats {
  rows: number;
  batches: number;
}

function isMessage(item: unknown): item is StreamMessage {
  return typeof item === 'object' && item !== null && Array.isArray((item as StreamMessage).rows) && typeof (item as StreamMessage).ack === 'function';
}

/**
 * Consumes any async iterable of rows, row arrays or stream messages, writing in batches. A message
 * is acknowledged only after its rows are written, so a crash redelivers it (at least once); online
 * writes are newer-wins, so a redelivered row changes nothing.
 */
export async function ingestStream(
  source: AsyncIterable<FeatureRow | FeatureRow[] | StreamMessage>,
  write: (rows: FeatureRow[]) => Promise<void>,
  options: IngestOptions = {},
): Promise<IngestStats> {
  const batchSize = options.batchSize ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 100;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`Invalid batchSize: ${batchSize} must be a positive integer`);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0) throw new InvalidArgumentError(`Invalid maxDelayMs: ${maxDelayMs} must be >= 0`);
  const stats: IngestStats = { rows: 0, batches: 0 };
  let rows: FeatureRow[] = [];
  let acks: StreamMessage['ack'][] = [];
  let firstAt = 0;
  const flush = async () => {
    if (rows.length === 0 && acks.length === 0) return;
    const batch = rows;
    const pendingAcks = acks;
    rows = [];
    acks = [];
    if (batch.length > 0) await write(batch);
    for (const ack of pendingAcks) await ack();
    stats.rows += batch.length;
    stats.batches += batch.length > 0 ? 1 : 0;
  };
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<FeatureRow | FeatureRow[] | StreamMessage>> | undefined;
  for (;;) {
    if (options.signal?.aborted) break;
    pending ??= iterator.next();
    let result: IteratorResult<FeatureRow | FeatureRow[] | StreamMessage> | 'timeout';
    if (rows.length > 0) {
      const left = Math.max(0, firstAt + maxDelayMs - Date.now());
      let timer: NodeJS.Timeout | undefined;
      result = await Promise.race([pending, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]);
      clearTimeout(timer);
    } else result = await pending;
    if (result === 'timeout') {
      await flush();
      continue;
    }
    pending = undefined;
    if (result.done) break;
    const item = result.value;
    if (rows.length === 0) firstAt = Date.now();
    if (isMessage(item)) {
      rows.push(...item.rows);
      acks.push(() => item.ack());
    } else if (Array.isArray(item)) rows.push(...item);
    else rows.push(item);
    if (rows.length >= batchSize) await flush();
  }
  await flush();
  if (options.signal?.aborted) await iterator.return?.();
  return stats;
}
