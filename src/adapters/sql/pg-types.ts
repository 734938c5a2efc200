/**
 * The parts of `pg` this driver uses, as structural types, so that `pg` stays an optional peer and a
 * caller can pass any compatible pool.
 */
export interface PgQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
  rowMode?: 'array';
}

export interface PgPoolClient {
  query(config: PgQueryConfig | string, values?: unknown[]): Promise<PgQueryResult>;
  release(err?: Error | boolean): void;
  /** pg's Client is an EventEmitter: a socket that dies while checked out emits 'error' on it. */
  on?(event: 'error', listener: (err: Error) => void): unknown;
  removeListener?(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PgPool {
  query(config: PgQueryConfig | string, values?: unknown[]): Promise<PgQueryResult>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on?(event: 'error', listener: (err: Error) => void): unknown;
}
