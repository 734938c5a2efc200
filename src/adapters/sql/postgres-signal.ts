import { createHash } from 'node:crypto';
import type { SignalTransport } from '../../core/change-signal.js';
import type { PgPool, PgPoolClient } from './pg-types.js';

/** A connection that can LISTEN: pg's Client emits 'notification', and 'error'/'end' when its connection drops. */
export interface ListeningClient {
  query: PgPoolClient['query'];
  on(event: 'notification', listener: (msg: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (err?: Error) => void): unknown;
}

/** Opens a connection for LISTEN, and ends it (with the error that broke it, if any). */
export interface ListenerConnector {
  open(): Promise<ListeningClient>;
  dispose(client: ListeningClient, err?: Error): void;
}

/** A LISTEN connection taken from a pool (a caller's pool: one of its connections stays taken). */
export function poolConnector(pool: PgPool): ListenerConnector {
  return {
    open: async () => (await pool.connect()) as unknown as ListeningClient,
    // Destroyed, not returned to the pool: our listeners stay with the connection that ends.
    dispose: (client, err) => (client as unknown as PgPoolClient).release(err ?? true),
  };
}

const MAX_BACKOFF_MS = 5000;

/**
 * PostgreSQL LISTEN/NOTIFY as a signal transport. One connection is held for LISTEN (a notification
 * is delivered to the session that listens): a dedicated client beside the driver's pool, or one of
 * a caller's pool. When it drops it is discarded and another is opened, with backoff, and every
 * channel is woken once since notifications sent meanwhile are lost. NOTIFY goes through the pool.
 *
 * Channel names are per schema (NOTIFY is per database, and tests and tenants share databases): a
 * digest of schema and channel, so any schema name fits PostgreSQL's 63-byte identifiers.
 */
export class PostgresSignalTransport implements SignalTransport {
  readonly name = 'postgres';
  private readonly channels = new Map<string, () => void>();
  private client: ListeningClient | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly pool: PgPool,
    private readonly schema: string,
    private readonly connector: ListenerConnector = poolConnector(pool),
  ) {}

  async subscribe(channel: string, onMessage: () => void): Promise<void> {
    const name = this.pgChannel(channel);
    this.channels.set(name, onMessage);
    if (this.client !== undefined) await this.client.query(`LISTEN "${name}"`);
    else await this.connect();
  }

  async publish(channel: string): Promise<void> {
    await this.pool.query({ text: "SELECT pg_notify($1, '')", values: [this.pgChannel(channel)] });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    this.connector.dispose(client);
  }

  private pgChannel(channel: string): string {
    return `mlops_${createHash('sha1').update(`${this.schema}/${channel}`).digest('hex').slice(0, 24)}`;
  }

  /** Takes a client and listens on every channel; on failure retries later (polling covers the gap). */
  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      let client: ListeningClient | undefined;
      try {
        client = await this.connector.open();
        const mine = client;
        client.on('notification', (msg) => this.channels.get(msg.channel)?.());
        client.on('error', (err) => this.lost(mine, err));
        client.on('end', () => this.lost(mine));
        for (const name of this.channels.keys()) await client.query(`LISTEN "${name}"`);
        if (this.closed) throw new Error('closed');
        this.client = client;
        this.failures = 0;
      } catch (err) {
        if (client !== undefined) this.connector.dispose(client, err as Error);
        this.scheduleReconnect();
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private lost(client: ListeningClient, err?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connector.dispose(client, err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry !== undefined) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures);
    this.failures += 1;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect().then(() => {
        // Notifications sent while no client listened are lost: every channel looks again.
        if (this.client !== undefined) for (const wake of this.channels.values()) wake();
      });
    }, delay);
    this.retry.unref();
  }
}
