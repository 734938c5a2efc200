import { InvalidArgumentError, UnavailableError } from '../../core/errors.js';
import { importOptional, pickExport } from '../../core/optional-import.js';
import { applyRabbitCompat } from './rabbitmq-compat.js';
import type { IngestProgress, IngestRow, IngestSource, StreamMessage } from './types.js';

/** The rabbitmq-stream-js-client calls this source makes (structural, so the package stays optional). */
export interface RabbitMessageLike {
  content: Buffer;
  offset?: bigint;
  messageProperties?: { creationTime?: Date };
}
export interface RabbitConsumerLike {
  storeOffset(offset: bigint): Promise<void>;
  close(): Promise<void>;
}
export interface RabbitPublisherLike {
  send(content: Buffer, options?: { applicationProperties?: Record<string, string | number> }): Promise<unknown>;
  close(manuallyClose?: boolean): Promise<unknown>;
}
export interface RabbitClientLike {
  createStream(params: { stream: string }): Promise<unknown>;
  declareConsumer(
    params: { stream: string; consumerRef?: string; offset: unknown; connectionClosedListener?: (hadError: boolean) => void },
    handle: (message: RabbitMessageLike) => Promise<void> | void,
  ): Promise<RabbitConsumerLike>;
  declarePublisher(params: { stream: string; connectionClosedListener?: (hadError: boolean) => void }): Promise<RabbitPublisherLike>;
  queryOffset(params: { reference: string; stream: string }): Promise<bigint>;
  streamStatsRequest(stream: string): Promise<{ committedChunkId: bigint }>;
  readonly serverVersions: Array<{ key: number }>;
  close(): Promise<void>;
}
interface OffsetFactory {
  first(): unknown;
  next(): unknown;
  offset(value: bigint): unknown;
}

export interface RabbitStreamSourceOptions {
  /** `rabbitmq-stream://user:password@host:5552/vhost` (port 5552 and vhost `/` by default). */
  url?: string;
  /** An open client instead of a URL; the source never closes it. */
  client?: RabbitClientLike;
  stream: string;
  /** The name the broker stores this consumer's offset under: one per logical consumer, kept across restarts. */
  consumerRef: string;
  /** Where a consumerRef without a stored offset starts. Default `first` (the whole stream). */
  startFrom?: 'first' | 'next';
  /** The stream bad messages go to, with the reason. Default `<stream>.dead-letter`; created when missing. */
  deadLetterStream?: string;
  /** Messages held in memory before the broker is made to wait (no new credit). Default 10,000. */
  highWaterMark?: number;
  signal?: AbortSignal;
}

const NO_STORED_OFFSET = 19;
/** Messages handed to the ingest as one group at most (they are written as one batch or split on a refusal). */
const GROUP_MAX = 2000;
const STORE_EVERY_MS = 200; // the stream protocol's "no offset" response code
const STREAM_STATS_KEY = 28;

interface Parsed {
  url: { hostname: string; port: number; username: string; password: string; vhost: string } | undefined;
  deadLetterStream: string;
  highWaterMark: number;
}

function parseOptions(options: RabbitStreamSourceOptions): Parsed {
  for (const f of ['stream', 'consumerRef'] as const) {
    if (typeof options[f] !== 'string' || options[f].length === 0) throw new InvalidArgumentError(`Invalid ${f}: must be a non-empty string`);
  }
  if (options.startFrom !== undefined && options.startFrom !== 'first' && options.startFrom !== 'next') {
    throw new InvalidArgumentError(`Invalid startFrom: ${JSON.stringify(options.startFrom)} must be 'first' or 'next'`);
  }
  const deadLetterStream = options.deadLetterStream ?? `${options.stream}.dead-letter`;
  if (deadLetterStream === options.stream) throw new InvalidArgumentError(`Invalid deadLetterStream: "${deadLetterStream}" is the stream being read`);
  const highWaterMark = options.highWaterMark ?? 10_000;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) throw new InvalidArgumentError(`Invalid highWaterMark: ${highWaterMark} must be a positive integer`);
  if (options.client !== undefined) return { url: undefined, deadLetterStream, highWaterMark };
  if (typeof options.url !== 'string') throw new InvalidArgumentError('Invalid rabbitStreamSource: give url or client');
  let u: URL;
  try {
    u = new URL(options.url);
  } catch {
    throw new InvalidArgumentError('Invalid url: not a URL (expected rabbitmq-stream://user:password@host:5552/vhost)');
  }
  if (u.protocol !== 'rabbitmq-stream:') throw new InvalidArgumentError(`Invalid url: scheme "${u.protocol}" must be rabbitmq-stream:`);
  const port = u.port === '' ? 5552 : Number(u.port);
  const vhostPath = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return {
    url: {
      hostname: u.hostname,
      port,
      username: decodeURIComponent(u.username || 'guest'),
      password: decodeURIComponent(u.password || 'guest'),
      vhost: vhostPath === '' ? '/' : vhostPath,
    },
    deadLetterStream,
    highWaterMark,
  };
}

/** Rows of one message: a JSON object (one row) or a JSON array of objects. */
function rowsOf(content: Buffer): IngestRow[] | string {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const rows = Array.isArray(value) ? value : [value];
  for (const [i, row] of rows.entries()) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return `row ${i} is not an object`;
  }
  return rows as IngestRow[];
}

/**
 * Rows from a RabbitMQ stream, read from offsets with the broker's server-side offset tracking: the
 * offset of a message is stored under `consumerRef` only after its rows are written (at-least-once),
 * and a restarted consumer resumes after the last stored offset. A message that is not JSON rows, or
 * whose rows the view refuses, goes to the dead-letter stream with the reason, and reading goes on.
 */
export function rabbitStreamSource(options: RabbitStreamSourceOptions): IngestSource {
  const parsed = parseOptions(options);
  return new RabbitStreamSource(options, parsed);
}

class RabbitStreamSource implements IngestSource {
  readonly label: string;
  private acked = 0;
  private deadLettered = 0;
  private ackedOffset: bigint | undefined;
  private headOffset: bigint | undefined;
  private newestTime: number | undefined;
  private started = false;
  private stopRequested = false;
  private wakeForStop: (() => void) | undefined;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(
    private readonly options: RabbitStreamSourceOptions,
    private readonly parsed: Parsed,
  ) {
    this.label = `rabbitmq:${options.stream}`;
    this.closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  }

  progress(): IngestProgress {
    const lag = this.headOffset !== undefined ? this.headOffset - (this.ackedOffset ?? -1n) : undefined;
    return {
      lagMessages: lag === undefined ? undefined : Math.max(0, Number(lag)),
      lagSeconds: this.newestTime === undefined ? undefined : Math.max(0, (Date.now() - this.newestTime) / 1000),
      acked: this.acked,
      deadLettered: this.deadLettered,
    };
  }

  /**
   * Stops reading and resolves once the last acknowledged offset is stored and the connection closed.
   * Messages handed out but not yet acknowledged are waited for (10 s at most); ingest() calls this
   * after it has written what it read, when its signal stops it.
   */
  close(): Promise<void> {
    this.stopRequested = true;
    if (!this.started) this.markClosed();
    this.wakeForStop?.();
    return this.closed;
  }

  /**
   * One group of delivered messages as a StreamMessage: its rows are written as one batch; when the
   * view refuses the batch, ingest() splits it into one message per broker message, so only the bad
   * ones are dead-lettered. Messages that are not JSON rows are dead-lettered when the group is acked,
   * in offset order with the rest.
   */
  private groupMessage(
    group: RabbitMessageLike[],
    hooks: { done(offset: bigint | undefined, messages: number): void; deadLetter(message: RabbitMessageLike, reason: string): Promise<void> },
  ): StreamMessage {
    const rows: IngestRow[] = [];
    const parsed: Array<{ message: RabbitMessageLike; rows: IngestRow[] | string }> = [];
    let unreadable = false;
    for (const message of group) {
      const r = rowsOf(message.content);
      parsed.push({ message, rows: r });
      if (typeof r === 'string') unreadable = true;
      else for (const row of r) rows.push(row);
    }
    const last = group[group.length - 1]?.offset;
    const noteTimes = () => {
      for (const { message, rows: r } of parsed) {
        const t = message.messageProperties?.creationTime?.getTime();
        if (t !== undefined) this.newestTime = Math.max(this.newestTime ?? 0, t);
        else if (typeof r !== 'string') for (const row of r) if (typeof row.event_ts === 'number') this.newestTime = Math.max(this.newestTime ?? 0, row.event_ts);
      }
    };
    const deadLetterUnreadable = async () => {
      if (!unreadable) return;
      for (const { message, rows: r } of parsed) if (typeof r === 'string') await hooks.deadLetter(message, r);
    };
    return {
      rows,
      ack: async () => {
        await deadLetterUnreadable();
        noteTimes();
        hooks.done(last, group.length);
      },
      reject: async (reason) => {
        for (const { message, rows: r } of parsed) await hooks.deadLetter(message, typeof r === 'string' ? r : reason);
        hooks.done(last, group.length);
      },
      split: () => {
        // The parts settle the group: the last part to settle commits the group's offset.
        let left = parsed.length;
        const settle = () => {
          left -= 1;
          if (left === 0) hooks.done(last, group.length);
        };
        return parsed.map(({ message, rows: r }) => ({
          rows: typeof r === 'string' ? [] : r,
          ack: async () => {
            if (typeof r === 'string') await hooks.deadLetter(message, r);
            settle();
          },
          reject: async (reason: string) => {
            await hooks.deadLetter(message, typeof r === 'string' ? r : reason);
            settle();
          },
        }));
      },
    };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamMessage> {
    const { stream, consumerRef, signal } = this.options;
    this.started = true;
    const mod = await importOptional(() => import('rabbitmq-stream-js-client'), 'rabbitmq-stream-js-client', 'The RabbitMQ Streams source');
    await applyRabbitCompat();
    const Offset = pickExport<OffsetFactory>(mod, 'Offset');
    let client = this.options.client;
    const owned = client === undefined;
    if (client === undefined) {
      const connect = pickExport<(p: Record<string, unknown>) => Promise<RabbitClientLike>>(mod, 'connect');
      try {
        client = await connect({ ...this.parsed.url, connectionName: `mlops-ingest-${consumerRef}` });
      } catch (err) {
        const where = `${this.parsed.url?.hostname}:${this.parsed.url?.port}`;
        throw new UnavailableError(`RabbitMQ stream broker at ${where} did not accept a connection: ${(err as Error).message}`, { cause: err });
      }
    }
    const c = client;
    const queue: Array<{ message: RabbitMessageLike }> = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    let drained: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const onClosed = (hadError: boolean) => {
      if (stopping()) return;
      failure ??= new UnavailableError(`RabbitMQ stream connection for "${stream}" closed${hadError ? ' with an error' : ''}`);
      notify();
      drained?.();
    };
    const onAbort = () => {
      notify();
      drained?.();
    };
    signal?.addEventListener('abort', onAbort);
    this.wakeForStop = onAbort;
    const stopping = () => this.stopRequested || signal?.aborted === true;
    let consumer: RabbitConsumerLike | undefined;
    let deadLetters: RabbitPublisherLike | undefined;
    let storeTimer: NodeJS.Timeout | undefined;
    let stored: bigint | undefined;
    const storeNow = async () => {
      const offset = this.ackedOffset;
      if (consumer === undefined || offset === undefined || offset === stored) return;
      stored = offset;
      await consumer.storeOffset(offset);
    };
    // StoreOffset at most every STORE_EVERY_MS (and on close): one per acknowledged group sent 25k commands
    // for 50k messages and halved the read rate. A crash redelivers at most that window (at-least-once).
    const scheduleStore = () => {
      storeTimer ??= setTimeout(() => {
        storeTimer = undefined;
        storeNow().catch((err: Error) => {
          failure ??= new UnavailableError(`Storing the offset of "${consumerRef}" on "${stream}" failed: ${err.message}`, { cause: err });
          notify();
        });
      }, STORE_EVERY_MS);
    };
    let outstanding = 0;
    let settled: (() => void) | undefined;
    const done = (offset: bigint | undefined, messages: number) => {
      outstanding -= 1;
      if (outstanding === 0) settled?.();
      if (offset !== undefined) this.ackedOffset = offset;
      this.acked += messages;
      scheduleStore();
    };
    const deadLetter = async (message: RabbitMessageLike, reason: string) => {
      if (deadLetters === undefined) throw new UnavailableError(`No dead-letter stream for "${stream}"`);
      await deadLetters.send(message.content, {
        applicationProperties: { 'x-reason': reason.slice(0, 1000), 'x-source-stream': stream, 'x-source-offset': String(message.offset ?? '') },
      });
      this.deadLettered += 1;
    };
    try {
      await c.createStream({ stream: this.parsed.deadLetterStream });
      deadLetters = await c.declarePublisher({ stream: this.parsed.deadLetterStream, connectionClosedListener: onClosed });
      let start = this.options.startFrom === 'next' ? Offset.next() : Offset.first();
      try {
        const last = await c.queryOffset({ reference: consumerRef, stream });
        this.ackedOffset = last;
        stored = last;
        start = Offset.offset(last + 1n);
      } catch (err) {
        if (!String((err as Error).message).includes(`code ${NO_STORED_OFFSET}`)) throw err;
      }
      const statsSupported = c.serverVersions.some((v) => v.key === STREAM_STATS_KEY);
      // Wake the reader once per turn of the event loop, so one chunk's messages make one group.
      let wakeScheduled = false;
      const wakeSoon = () => {
        if (wakeScheduled) return;
        wakeScheduled = true;
        setImmediate(() => {
          wakeScheduled = false;
          notify();
        });
      };
      const overHighWater = () => queue.length >= this.parsed.highWaterMark && failure === undefined && !stopping();
      consumer = await c.declareConsumer({ stream, consumerRef, offset: start, connectionClosedListener: onClosed }, (message) => {
        queue.push({ message });
        if (message.offset !== undefined && (this.headOffset === undefined || message.offset > this.headOffset)) this.headOffset = message.offset;
        wakeSoon();
        // Back-pressure: the client grants the broker new credit only when this handler settles. Below the
        // high-water mark it returns nothing to wait for (a promise per message cost a tenth of the read rate).
        if (!overHighWater()) return;
        return (async () => {
          while (overHighWater()) await new Promise<void>((r) => (drained = r));
        })();
      });
      let statsAt = 0;
      while (!stopping()) {
        if (failure !== undefined) throw failure;
        if (statsSupported && Date.now() - statsAt > 1000) {
          statsAt = Date.now();
          c.streamStatsRequest(stream).then(
            (s) => {
              if (this.headOffset === undefined || s.committedChunkId > this.headOffset) this.headOffset = s.committedChunkId;
            },
            () => undefined,
          );
        }
        if (queue.length === 0) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        // Everything delivered so far goes out as one message group: per-message hand-offs cost more
        // than the write itself (50k one-row messages: 0.2x the raw client's read rate, one at a time).
        const group = queue.splice(0, GROUP_MAX).map((q) => q.message);
        drained?.();
        drained = undefined;
        outstanding += 1;
        yield this.groupMessage(group, { done, deadLetter });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      const close = async () => {
        if (storeTimer !== undefined) clearTimeout(storeTimer);
        await storeNow().catch(() => undefined);
        await consumer?.close().catch(() => undefined);
        await deadLetters?.close(true).catch(() => undefined);
        if (owned) await c.close().catch(() => undefined);
      };
      if (outstanding === 0 || failure !== undefined) {
        await close();
        this.markClosed();
      } else {
        // Messages handed out are still being written: close after their acknowledgements (bounded).
        void new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          settled = () => {
            clearTimeout(timer);
            resolve();
          };
        })
          .then(close)
          .finally(() => this.markClosed());
      }
    }
  }
}
