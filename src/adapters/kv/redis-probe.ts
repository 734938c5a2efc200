import { importOptional, pickExport } from '../../core/optional-import.js';

/** The parts of ioredis' client the startup probe uses. */
interface RedisProbeClient {
  connect(): Promise<void>;
  call(command: string, ...args: Array<string | number>): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Why a Redis probe failed, in the driver's own errors. */
export interface RedisProbeFailure {
  /** What the failing call (connect, PING or SELECT) rejected with. */
  error: unknown;
  /** The client's first 'error' event: ioredis reports a refused AUTH there, then answers NOAUTH to commands. */
  event: Error | undefined;
}

/**
 * Connects to `url` (no database in its path) on a short-lived client of its own, without retries or
 * an offline queue, then sends PING and `SELECT db`. Resolves undefined when all answered, or the
 * failure (config/startup-probe.ts turns it into a message with the fix); rejects only when ioredis is
 * not installed. The client is always disconnected, so a refused configuration leaves nothing behind.
 */
export async function pingRedis(url: string, db: number, timeoutMs: number): Promise<RedisProbeFailure | undefined> {
  const ioredis = await importOptional(() => import('ioredis'), 'ioredis', 'The Redis online store');
  const Redis = pickExport<new (url: string, options: Record<string, unknown>) => RedisProbeClient>(ioredis, 'Redis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let event: Error | undefined;
  client.on('error', (err) => {
    event ??= err;
  });
  try {
    await client.connect();
    await client.call('PING');
    await client.call('SELECT', db);
    return undefined;
  } catch (error) {
    return { error, event };
  } finally {
    client.disconnect();
  }
}
