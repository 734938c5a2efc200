import type { SignalTransport } from '../../core/change-signal.js';
import type { RedisLike } from './redis-types.js';

/** The parts of an ioredis connection in subscriber mode that the transport uses. */
export interface RedisSubscriber {
  subscribe(...channels: string[]): Promise<unknown>;
  on(event: 'message', listener: (channel: string) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/**
 * Redis pub/sub as a signal transport. A subscribed connection can run nothing else, so it is a
 * duplicate of the store's client, opened on first subscribe. ioredis reconnects it and subscribes
 * again by itself; after each reconnect every channel is woken once (messages meanwhile are lost).
 * Channels carry the store's key prefix, so runtimes sharing a Redis under different prefixes do
 * not wake each other.
 */
export class RedisSignalTransport implements SignalTransport {
  readonly name = 'redis';
  private subscriber: RedisSubscriber | undefined;
  private readonly channels = new Map<string, () => void>();
  private closed = false;

  constructor(
    private readonly client: RedisLike & { duplicate(override?: { connectionName?: string }): RedisSubscriber; publish(channel: string, message: string): Promise<unknown> },
    private readonly prefix: string,
  ) {}

  async subscribe(channel: string, onMessage: () => void): Promise<void> {
    const name = `${this.prefix}signal:${channel}`;
    this.channels.set(name, onMessage);
    await this.open().subscribe(name);
  }

  async publish(channel: string): Promise<void> {
    await this.client.publish(`${this.prefix}signal:${channel}`, '');
  }

  async close(): Promise<void> {
    this.closed = true;
    const sub = this.subscriber;
    this.subscriber = undefined;
    if (sub === undefined) return;
    try {
      await sub.quit();
    } catch {
      sub.disconnect();
    }
  }

  private open(): RedisSubscriber {
    if (this.subscriber !== undefined) return this.subscriber;
    // Named, so an operator (or a test) can tell this connection apart in CLIENT LIST.
    const sub = this.client.duplicate({ connectionName: `mlops-signal:${this.prefix.replace(/[^\w:.-]/g, '_')}` });
    // Connection failures surface here while ioredis retries; subscribe calls report their own.
    sub.on('error', () => undefined);
    sub.on('message', (channel) => this.channels.get(channel)?.());
    let readies = 0;
    sub.on('ready', () => {
      readies += 1;
      if (readies > 1 && !this.closed) for (const wake of this.channels.values()) wake();
    });
    this.subscriber = sub;
    return sub;
  }
}
