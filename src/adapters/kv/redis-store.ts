import { InvalidArgumentError, MlopsError, UnavailableError, toMlopsError } from '../../core/errors.js';
import { importOptional, pickExport } from '../../core/optional-import.js';
import { checkFields, checkKey, checkOrderedWrites, checkScanCount, checkTtl, checkWrites, tieField } from './kv-args.js';
import type { RedisLike, RedisPipeline, RedisPipelineResult } from './redis-types.js';
import { RedisSignalTransport } from './redis-signal.js';
import type { SignalTransport } from '../../core/change-signal.js';
import type { KvHashRead, KvHashWrite, KvOrderedWrite, KvResetInfo, KvScanPage, KvStore } from './types.js';

export interface RedisKvOptions {
  /** `redis://host:6379/0`; a `prefix` query parameter sets the namespace. */
  url?: string;
  /** A client you own (not closed by close()). */
  client?: RedisLike;
  /**
   * Namespace put before every key, so several runtimes or tests share one Redis. Default `mlops:`.
   * For Redis Cluster, put a hash tag in the keys you pass (`{AAPL}`) so a hash and its
   * neighbours share a slot.
   */
  prefix?: string;
  /** Milliseconds to wait for the first connection. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Milliseconds a command may wait for its reply before it fails with UNAVAILABLE: a Redis that
   * hangs (paused, swapping) must not hang its callers. Default 5000. It costs a timer per command:
   * a 50-field HMGET went from 76 to 78 µs p50 (99.6 to 105 µs in a busier run; 2026-11-30).
   */
  commandTimeoutMs?: number;
}

/** Hides a password in a URL before it goes into a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

function splitPrefixFromUrl(url: string): { url: string; prefix: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new InvalidArgumentError('Invalid redis url: not a URL', { cause: err });
  }
  const prefix = parsed.searchParams.get('prefix') ?? undefined;
  parsed.searchParams.delete('prefix');
  return { url: parsed.toString(), prefix };
}

/** Opens an online store on Redis through ioredis, loaded on first use. */
export async function openRedisKvStore(options: RedisKvOptions): Promise<KvStore> {
  let client = options.client;
  let prefix = options.prefix;
  const owned = client === undefined;
  if (client === undefined) {
    if (options.url === undefined) throw new InvalidArgumentError('Invalid redis options: give url or client');
    const split = splitPrefixFromUrl(options.url);
    prefix ??= split.prefix;
    const ioredis = await importOptional(() => import('ioredis'), 'ioredis', 'The Redis online store');
    const Redis = pickExport<new (url: string, options: Record<string, unknown>) => RedisLike>(ioredis, 'Redis');
    client = new Redis(split.url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      commandTimeout: options.commandTimeoutMs ?? 5000,
      // A command waits for at most 3 reconnection attempts, then fails with UNAVAILABLE ...
      maxRetriesPerRequest: 3,
      // ... and attempts come at most 250 ms apart (ioredis's default grows to 2 s), so a caller fails
      // within about a second of an outage and service resumes within 250 ms of Redis returning.
      retryStrategy: (times: number) => Math.min(times * 50, 250),
    });
    // ioredis reconnects on its own and reports each failed attempt as an 'error' event; commands
    // that fail meanwhile reject with their own error, so the event needs no handling beyond this.
    client.on?.('error', () => undefined);
    try {
      await client.connect?.();
    } catch (err) {
      client.disconnect();
      throw new UnavailableError(`Cannot connect to Redis at ${redactUrl(options.url)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const store = new RedisKvStore(client, owned, prefix ?? 'mlops:');
  try {
    await store.writeMarker();
  } catch (err) {
    if (owned) client.disconnect();
    throw err;
  }
  return store;
}

/**
 * Written at open under the store's prefix and looked for after every reconnection: a Redis that
 * restarted without persistence comes back without it, and the store reports a reset.
 */
export const MARKER_KEY = '__mlops:marker';

/**
 * Compare-and-set per key, atomic on the server: writes the fields (ARGV[6..]) only when the stored
 * order (field ARGV[1]) is absent or smaller than ARGV[2], or equal and the stored tie-break (field
 * ARGV[4], numbers joined by ':') is not larger than ARGV[5] (see compareTies); ARGV[3] is a TTL in
 * ms or 0. Tie-break numbers are safe integers, exact in Lua's doubles.
 */
const HSET_IF_NEWER = `
local cur = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[4])
if cur[1] then
  local stored = tonumber(cur[1])
  local order = tonumber(ARGV[2])
  if stored > order then return 0 end
  if stored == order then
    local a, b = {}, {}
    for n in string.gmatch(ARGV[5], '%d+') do a[#a + 1] = tonumber(n) end
    for n in string.gmatch(cur[2] or '', '%d+') do b[#b + 1] = tonumber(n) end
    for i = 1, math.max(#a, #b) do
      local x, y = a[i] or -1, b[i] or -1
      if x > y then break end
      if x < y then return 0 end
    end
  end
end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], ARGV[4], ARGV[5]) else redis.call('HDEL', KEYS[1], ARGV[4]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], unpack(ARGV, 6))
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Failures of the connection or of a server that cannot serve now (loading its dataset, a cluster
 * without quorum, a replica that became read-only): the caller sees UNAVAILABLE.
 */
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|Connection is closed|MaxRetriesPerRequest|max retries per request|Stream isn't writeable|Command timed out|^LOADING|^MASTERDOWN|^CLUSTERDOWN|^TRYAGAIN|^READONLY|Failed to refresh slots cache|None of startup nodes is available/i;

function mapRedisError(err: unknown, what: string): MlopsError {
  if (err instanceof MlopsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (UNAVAILABLE_MESSAGES.test(message) || /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH)/.test(code)) {
    return new UnavailableError(`Redis unavailable during ${what}: ${message}`, { cause: err });
  }
  return toMlopsError(err, `Redis ${what}`);
}

function unwrap(results: RedisPipelineResult, what: string): unknown[] {
  if (results === null) throw new UnavailableError(`Redis ${what}: the pipeline was discarded`);
  return results.map(([err, value]) => {
    if (err) throw mapRedisError(err, what);
    return value;
  });
}

/** A cluster node's address (ioredis keeps it in `options`), to order masters the same way on every call. */
function address(node: RedisLike): string {
  const o = (node as { options?: { host?: string; port?: number } }).options;
  return `${o?.host ?? ''}:${String(o?.port ?? '').padStart(5, '0')}`;
}

class RedisKvStore implements KvStore {
  /**
   * On a Redis Cluster every key of a pipeline must hash to one slot (ioredis refuses the rest before
   * sending, and multi-key DEL answers CROSSSLOT). Each key then gets its own pipeline, all sent at
   * once: ioredis routes each to its node and writes them without waiting, and a cluster pipeline is
   * never atomic across keys anyway.
   */
  private readonly cluster: boolean;
  /** Each runtime on this store gets its own subscriber connection; all end with the store. */
  private readonly signals = new Set<RedisSignalTransport>();

  constructor(
    private readonly client: RedisLike,
    private readonly owned: boolean,
    private readonly prefix: string,
  ) {
    this.cluster = client.isCluster === true;
  }

  private readonly resetListeners = new Set<(info: KvResetInfo) => void>();
  private readonly onReady = (): void => void this.checkMarker();
  private watching = false;

  /**
   * Writes the marker and starts looking for it after each reconnection. On a cluster the marker
   * would sit on one node only, so a cluster is not watched.
   */
  async writeMarker(): Promise<void> {
    if (this.cluster || this.client.on === undefined) return;
    try {
      await this.call('open', () => this.client.set(this.prefix + MARKER_KEY, new Date().toISOString()));
    } catch (err) {
      // A server that is down fails the open; one that refuses the write (an ACL) is used unwatched.
      if ((err as MlopsError).code === 'UNAVAILABLE') throw err;
      return;
    }
    this.client.on('ready', this.onReady);
    this.watching = true;
  }

  private async checkMarker(): Promise<void> {
    try {
      if ((await this.client.exists(this.prefix + MARKER_KEY)) === 1) return;
      await this.client.set(this.prefix + MARKER_KEY, new Date().toISOString());
    } catch {
      // The connection dropped again: the next 'ready' looks again.
      return;
    }
    for (const listener of this.resetListeners) {
      try {
        listener({ reason: 'marker key missing after reconnect: Redis restarted without its data' });
      } catch {
        // A listener's failure is its own; the others still hear of the reset.
      }
    }
  }

  onReset(listener: (info: KvResetInfo) => void): () => void {
    this.resetListeners.add(listener);
    return () => this.resetListeners.delete(listener);
  }

  /**
   * Runs one group of commands per item, in one pipeline (or one per item on a cluster), and returns
   * every command's reply in order; the first error is mapped and thrown.
   */
  private async pipelined<T>(items: readonly T[], add: (pipeline: RedisPipeline, item: T) => void, what: string): Promise<unknown[]> {
    const run = async (group: readonly T[]): Promise<unknown[]> => {
      const pipeline = this.client.pipeline();
      for (const item of group) add(pipeline, item);
      let results: RedisPipelineResult;
      try {
        results = await pipeline.exec();
      } catch (err) {
        throw mapRedisError(err, what);
      }
      return unwrap(results, what);
    };
    if (!this.cluster) return run(items);
    return (await Promise.all(items.map((item) => run([item])))).flat();
  }

  async hset(key: string, fields: Readonly<Record<string, string>>, options: { ttlMs?: number } = {}): Promise<void> {
    checkKey(key);
    checkFields(fields, 'fields');
    const ttlMs = checkTtl(options.ttlMs);
    await this.writeAll([{ key, fields, ...(ttlMs !== undefined ? { ttlMs } : {}) }], 'hset');
  }

  async hsetMany(writes: readonly KvHashWrite[]): Promise<void> {
    checkWrites(writes);
    if (writes.length > 0) await this.writeAll(writes, 'hsetMany');
  }

  async hsetManyIfNewer(writes: readonly KvOrderedWrite[], orderField: string): Promise<boolean[]> {
    checkWrites(writes);
    checkOrderedWrites(writes, orderField);
    if (writes.length === 0) return [];
    const tieAt = tieField(orderField);
    const replies = await this.pipelined(
      writes,
      (pipeline, w) => {
        const args: string[] = [];
        for (const [f, v] of Object.entries(w.fields)) args.push(f, v);
        pipeline.eval(HSET_IF_NEWER, 1, this.prefix + w.key, orderField, String(w.order), String(w.ttlMs ?? 0), tieAt, w.tie?.join(':') ?? '', ...args);
      },
      'hsetManyIfNewer',
    );
    return replies.map((r) => Number(r) === 1);
  }

  async hget(key: string, fields: readonly string[]): Promise<Array<string | null>> {
    checkKey(key);
    if (fields.length === 0) return [];
    try {
      return await this.client.hmget(this.prefix + key, ...fields);
    } catch (err) {
      throw mapRedisError(err, 'hget');
    }
  }

  async hmgetMany(reads: readonly KvHashRead[]): Promise<Array<Array<string | null>>> {
    if (reads.length === 1) {
      // One key: a plain HMGET costs less than a one-command pipeline.
      const [only] = reads as [KvHashRead];
      checkKey(only?.key, 'reads[0].key');
      return [only.fields.length === 0 ? [] : await this.call('hmgetMany', () => this.client.hmget(this.prefix + only.key, ...only.fields))];
    }
    const queued: KvHashRead[] = [];
    for (let i = 0; i < reads.length; i++) {
      const r = reads[i] as KvHashRead;
      checkKey(r?.key, `reads[${i}].key`);
      if (r.fields.length > 0) queued.push(r);
    }
    if (queued.length === 0) return reads.map(() => []);
    const values = (await this.pipelined(queued, (pipeline, r) => pipeline.hmget(this.prefix + r.key, ...r.fields), 'hmgetMany')) as Array<Array<string | null>>;
    if (queued.length === reads.length) return values;
    let next = 0;
    return reads.map((r) => (r.fields.length > 0 ? (values[next++] as Array<string | null>) : []));
  }

  async hgetall(key: string): Promise<Record<string, string> | undefined> {
    checkKey(key);
    try {
      const hash = await this.client.hgetall(this.prefix + key);
      return Object.keys(hash).length === 0 ? undefined : hash;
    } catch (err) {
      throw mapRedisError(err, 'hgetall');
    }
  }

  async hdel(key: string, fields: readonly string[]): Promise<number> {
    checkKey(key);
    if (fields.length === 0) return 0;
    return this.call('hdel', () => this.client.hdel(this.prefix + key, ...fields));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkKey(key);
    const ttl = checkTtl(ttlMs) as number;
    return (await this.call('expire', () => this.client.pexpire(this.prefix + key, ttl))) === 1;
  }

  async pttl(key: string): Promise<number> {
    checkKey(key);
    return this.call('pttl', () => this.client.pttl(this.prefix + key));
  }

  async delete(keys: readonly string[]): Promise<number> {
    keys.forEach((k, i) => checkKey(k, `keys[${i}]`));
    if (keys.length === 0) return 0;
    if (!this.cluster) return this.call('delete', () => this.client.del(...keys.map((k) => this.prefix + k)));
    const counts = await Promise.all(keys.map((k) => this.call('delete', () => this.client.del(this.prefix + k))));
    return counts.reduce((a, b) => a + b, 0);
  }

  async scan(prefix: string, options: { cursor?: string; count?: number } = {}): Promise<KvScanPage> {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('Invalid prefix: must be a string');
    const count = checkScanCount(options.count);
    const match = `${escapeGlob(this.prefix + prefix)}*`;
    if (this.cluster) return this.scanCluster(match, count, options.cursor);
    const cursor = options.cursor ?? '0';
    if (!/^\d+$/.test(cursor)) throw new InvalidArgumentError(`Invalid cursor: ${JSON.stringify(cursor)}`);
    const keys: string[] = [];
    let next = cursor;
    // SCAN's COUNT is a hint of work, not of results: keep going until a page has keys or the end.
    do {
      const [after, found] = await this.call('scan', () => this.client.scan(next, 'MATCH', match, 'COUNT', count));
      next = after;
      for (const k of found) keys.push(k.slice(this.prefix.length));
    } while (next !== '0' && keys.length === 0);
    return next === '0' ? { keys } : { keys, nextCursor: next };
  }

  /** SCAN on a cluster: each master in turn (ordered by address); the cursor is `<master>:<its cursor>`. */
  private async scanCluster(match: string, count: number, cursor = '0:0'): Promise<KvScanPage> {
    const parsed = /^(\d+):(\d+)$/.exec(cursor);
    if (parsed === null) throw new InvalidArgumentError(`Invalid cursor: ${JSON.stringify(cursor)} (a cluster cursor is <master>:<cursor>)`);
    const masters = (this.client.nodes?.('master') ?? []).slice().sort((a, b) => address(a).localeCompare(address(b)));
    let node = Number(parsed[1]);
    let next = parsed[2] as string;
    const keys: string[] = [];
    while (node < masters.length && keys.length === 0) {
      const master = masters[node] as RedisLike;
      const [after, found] = await this.call('scan', () => master.scan(next, 'MATCH', match, 'COUNT', count));
      for (const k of found) keys.push(k.slice(this.prefix.length));
      if (after === '0') {
        node += 1;
        next = '0';
      } else next = after;
    }
    return node >= masters.length ? { keys } : { keys, nextCursor: `${node}:${next}` };
  }

  /** Redis pub/sub on a duplicate connection, when the client can make one (ioredis can). */
  signalTransport(): SignalTransport | undefined {
    const client = this.client as RedisLike & Partial<ConstructorParameters<typeof RedisSignalTransport>[0]>;
    if (typeof client.duplicate !== 'function' || typeof client.publish !== 'function') return undefined;
    const transport = new RedisSignalTransport(client as ConstructorParameters<typeof RedisSignalTransport>[0], this.prefix);
    this.signals.add(transport);
    return transport;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.signals].map((t) => t.close()));
    if (this.watching) this.client.off?.('ready', this.onReady);
    this.watching = false;
    this.resetListeners.clear();
    if (!this.owned) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async writeAll(writes: readonly KvHashWrite[], what: string): Promise<void> {
    await this.pipelined(
      writes,
      (pipeline, w) => {
        const args: string[] = [];
        for (const [f, v] of Object.entries(w.fields)) args.push(f, v);
        pipeline.hset(this.prefix + w.key, ...args);
        if (w.ttlMs !== undefined) pipeline.pexpire(this.prefix + w.key, w.ttlMs);
      },
      what,
    );
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapRedisError(err, what);
    }
  }
}
