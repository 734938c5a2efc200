import { InvalidArgumentError } from '../../core/errors.js';
import { importOptional, pickExport } from '../../core/optional-import.js';

/**
 * One read of the stream: its rows and the XACK to send once they are written. Structurally the
 * `StreamMessage` that `ml.features.ingest` consumes; declared here so that the adapter needs
 * nothing from the features module.
 */
export interface RedisStreamMessage {
  rows: Array<Record<string, unknown>>;
  ack(): Promise<void>;
}

/** The ioredis calls this source makes (structural, so ioredis stays optional). */
export interface RedisStreamClient {
  xgroup(...args: Array<string | number>): Promise<unknown>;
  xreadgroup(...args: Array<string | number>): Promise<Array<[string, Array<[string, string[]]>]> | null>;
  xack(stream: string, group: string, ...ids: string[]): Promise<number>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}

export interface RedisStreamSourceOptions {
  url?: string;
  client?: RedisStreamClient;
  stream: string;
  group: string;
  consumer: string;
  /** Entries per read. Default 500. */
  count?: number;
  /** How long one read waits for new entries (ms). Default 1000. */
  blockMs?: number;
  signal?: AbortSignal;
}

/**
 * Rows from a Redis Stream through a consumer group: each entry has a field `row` holding one JSON
 * row. Entries this consumer read but never acknowledged (a crash) are delivered again first; an
 * entry is XACKed only after its rows are written (at-least-once).
 */
export async function* redisStreamSource(options: RedisStreamSourceOptions): AsyncGenerator<RedisStreamMessage> {
  for (const f of ['stream', 'group', 'consumer'] as const) {
    if (typeof options[f] !== 'string' || options[f].length === 0) throw new InvalidArgumentError(`Invalid ${f}: must be a non-empty string`);
  }
  let client = options.client;
  const owned = client === undefined;
  if (client === undefined) {
    if (!options.url) throw new InvalidArgumentError('Invalid redisStreamSource: give url or client');
    const ioredis = await importOptional(() => import('ioredis'), 'ioredis', 'The Redis Streams source');
    const Redis = pickExport<new (url: string, opts: Record<string, unknown>) => RedisStreamClient>(ioredis, 'Redis');
    client = new Redis(options.url, { maxRetriesPerRequest: 3 });
    // ioredis reports each failed reconnection as an 'error' event; the read in progress rejects on
    // its own, so the event needs no handling beyond being heard.
    client.on?.('error', () => undefined);
  }
  const { stream, group, consumer } = options;
  try {
    await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
  let id = '0';
  try {
    while (!options.signal?.aborted) {
      const reply = await client.xreadgroup('GROUP', group, consumer, 'COUNT', options.count ?? 500, 'BLOCK', options.blockMs ?? 1000, 'STREAMS', stream, id);
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        // The backlog of this consumer's unacknowledged entries is done: read new ones.
        if (id === '0') id = '>';
        continue;
      }
      const rows: Array<Record<string, unknown>> = [];
      const ids: string[] = [];
      for (const [entryId, fields] of entries) {
        ids.push(entryId);
        const at = fields.indexOf('row');
        if (at === -1 || at % 2 === 1) continue;
        rows.push(JSON.parse(fields[at + 1] as string) as Record<string, unknown>);
      }
      const c = client;
      yield { rows, ack: async () => void (await c.xack(stream, group, ...ids)) };
    }
  } finally {
    if (owned) await client.quit().catch(() => client?.disconnect());
  }
}
