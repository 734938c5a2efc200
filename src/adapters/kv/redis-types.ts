/** The parts of an ioredis client this store uses, as structural types (ioredis stays optional). */
export type RedisPipelineResult = Array<[Error | null, unknown]> | null;

export interface RedisPipeline {
  hset(key: string, ...fieldsAndValues: string[]): RedisPipeline;
  hmget(key: string, ...fields: string[]): RedisPipeline;
  pexpire(key: string, ms: number): RedisPipeline;
  eval(script: string, numKeys: number, ...args: Array<string | number>): RedisPipeline;
  exec(): Promise<RedisPipelineResult>;
}

export interface RedisLike {
  pipeline(): RedisPipeline;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  pttl(key: string): Promise<number>;
  del(...keys: string[]): Promise<number>;
  set(key: string, value: string): Promise<unknown>;
  exists(key: string): Promise<number>;
  scan(cursor: string, matchToken: 'MATCH', pattern: string, countToken: 'COUNT', count: number): Promise<[string, string[]]>;
  connect?(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  status?: string;
  /** 'error' for each failed (re)connection attempt; 'ready' each time a connection is usable again. */
  on?(event: 'error' | 'ready', listener: (err?: Error) => void): unknown;
  off?(event: 'error' | 'ready', listener: (err?: Error) => void): unknown;
  /** True for an ioredis `Cluster`. */
  isCluster?: boolean;
  /** An ioredis `Cluster`'s master nodes (SCAN runs on each). */
  nodes?(role: 'master'): RedisLike[];
}
