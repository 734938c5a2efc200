import type { StreamMessage } from '../adapters/ingest/types.js';
import { InvalidArgumentError, MlopsError } from '../core/errors.js';
import type { FeatureRow, PushTarget } from './types.js';

export type { StreamMessage } from '../adapters/ingest/types.js';

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
  /** Messages whose rows the view refused, handed back to their source's dead-letter target. */
  rejected: number;
}

/** Input errors, which the same rows would meet again on a retry; anything else (UNAVAILABLE) is not one. */
function isRefusal(err: unknown): boolean {
  return err instanceof MlopsError && err.code === 'INVALID_ARGUMENT';
}

/** A message whose rows can be refused one by one: it can be rejected, or split into parts that can. */
function canRefuse(m: StreamMessage): boolean {
  return m.rows.length === 0 || m.reject !== undefined || m.split !== undefined;
}

async function writeEach(messages: StreamMessage[], write: (rows: FeatureRow[]) => Promise<void>, stats: IngestStats): Promise<number> {
  let written = 0;
  for (const m of messages) {
    if (m.rows.length === 0) {
      await m.ack();
      continue;
    }
    try {
      await write(m.rows);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const parts = m.split?.();
      if (parts !== undefined && parts.length > 1) written += await writeEach(parts, write, stats);
      else if (parts?.length === 1) {
        await parts[0]?.reject?.((err as Error).message);
        stats.rejected += 1;
      } else {
        await m.reject?.((err as Error).message);
        stats.rejected += 1;
      }
      continue;
    }
    await m.ack();
    written += m.rows.length;
  }
  return written;
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
  const stats: IngestStats = { rows: 0, batches: 0, rejected: 0 };
  let rows: FeatureRow[] = [];
  let messages: StreamMessage[] = [];
  let firstAt = 0;
  const flush = async () => {
    if (rows.length === 0 && messages.length === 0) return;
    const batch = rows;
    const pending = messages;
    rows = [];
    messages = [];
    if (batch.length > 0) {
      try {
        await write(batch);
      } catch (err) {
        if (!isRefusal(err) || !pending.every(canRefuse)) throw err;
        // A bad value refuses the whole batch: write message by message, dead-lettering the bad ones.
        stats.rows += await writeEach(pending, write, stats);
        stats.batches += 1;
        return;
      }
    }
    for (const m of pending) await m.ack();
    stats.rows += batch.length;
    stats.batches += batch.length > 0 ? 1 : 0;
  };
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<FeatureRow | FeatureRow[] | StreamMessage>> | undefined;
  // A stop through the signal must not wait for the source's next message, which may never come.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'abort'>((resolve) => {
    onAbort = () => resolve('abort');
    if (options.signal?.aborted) resolve('abort');
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // One timer per batch, not per item: it fires maxDelayMs after the batch's first row.
    let timer: NodeJS.Timeout | undefined;
    let deadline: Promise<'timeout'> | undefined;
    const flushBatch = async () => {
      clearTimeout(timer);
      deadline = undefined;
      await flush();
    };
    for (;;) {
      pending ??= iterator.next();
      let result: IteratorResult<FeatureRow | FeatureRow[] | StreamMessage> | 'timeout' | 'abort';
      if (rows.length > 0 || messages.length > 0) {
        deadline ??= new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, firstAt + maxDelayMs - Date.now()))));
        result = await Promise.race([pending, aborted, deadline]);
      } else result = await Promise.race([pending, aborted]);
      if (result === 'abort') break;
      if (result === 'timeout') {
        await flushBatch();
        continue;
      }
      pending = undefined;
      if (result.done) break;
      const item = result.value;
      if (rows.length === 0 && messages.length === 0) firstAt = Date.now();
      if (isMessage(item)) {
        rows.push(...item.rows);
        messages.push(item);
      } else if (Array.isArray(item)) rows.push(...item);
      else rows.push(item);
      if (rows.length >= batchSize) await flushBatch();
    }
    // What was read before a stop is still written and acknowledged.
    await flushBatch();
  } finally {
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    if (options.signal?.aborted) await stopSource(source, iterator, pending);
  }
  return stats;
}

/**
 * Ends a source after a stop. A source with close() stops reading and commits its position; a plain
 * iterator is returned once its pending read settles (returning it earlier would queue behind that read).
 */
async function stopSource(source: object, iterator: AsyncIterator<unknown>, pending: Promise<unknown> | undefined): Promise<void> {
  const closable = source as { close?: () => Promise<void> };
  if (typeof closable.close === 'function') {
    await closable.close();
    return;
  }
  const end = () => iterator.return?.();
  if (pending === undefined) await end();
  else void pending.then(end, end).catch(() => undefined);
}
