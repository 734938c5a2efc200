import { LRUCache } from 'lru-cache';
import type { Clock } from '../../core/clock.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { hostSlicer } from '../../core/time-slice.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import { checkFields, checkKey, checkOrderedWrites, checkScanCount, checkTtl, checkWrites, compareTies, parseTie, tieField } from './kv-args.js';
import type { KvHashRead, KvHashWrite, KvOrderedWrite, KvScanPage, KvStore } from './types.js';

export interface MemoryKvOptions {
  /** Most keys kept; the least recently used go first. Default 1,000,000. */
  maxEntries?: number;
  /** Most bytes kept (UTF-16 length of keys, field names and values, times two). Default 512 MiB. */
  maxBytes?: number;
  /** Time source for expiry; tests pass a manual clock. */
  clock?: Clock;
}

type Hash = Map<string, string>;

/** Hash operations between checks of the host's time slice: 100 hash writes take about 0.2 ms. */
const SLICE_WRITES = 100;

function sizeOf(hash: Hash, key: string): number {
  let n = key.length;
  for (const [f, v] of hash) n += f.length + v.length;
  return Math.max(1, n * 2);
}

/** An online store in this process's memory, bounded by entries and bytes (lru-cache). */
export function createMemoryKvStore(options: MemoryKvOptions = {}): KvStore {
  return new MemoryKvStore(options);
}

class MemoryKvStore implements KvStore {
  private readonly cache: LRUCache<string, Hash>;

  constructor(options: MemoryKvOptions) {
    const maxEntries = options.maxEntries ?? 1_000_000;
    const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new InvalidArgumentError(`Invalid maxEntries: ${maxEntries} must be a positive integer`);
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new InvalidArgumentError(`Invalid maxBytes: ${maxBytes} must be a positive integer`);
    }
    const clock = options.clock;
    this.cache = new LRUCache<string, Hash>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: sizeOf,
      ttlAutopurge: false,
      ...(clock ? { perf: { now: () => clock.now() }, ttlResolution: 0 } : {}),
    });
  }

  async hset(key: string, fields: Readonly<Record<string, string>>, options: { ttlMs?: number } = {}): Promise<void> {
    checkKey(key);
    checkFields(fields, 'fields');
    const ttlMs = checkTtl(options.ttlMs);
    this.write({ key, fields, ...(ttlMs !== undefined ? { ttlMs } : {}) });
  }

  async hsetMany(writes: readonly KvHashWrite[]): Promise<void> {
    checkWrites(writes);
    for (let i = 0; i < writes.length; i++) {
      if (i % SLICE_WRITES === 0) await hostSlicer.yield();
      this.write(writes[i] as KvHashWrite);
    }
  }

  async hsetManyIfNewer(writes: readonly KvOrderedWrite[], orderField: string): Promise<boolean[]> {
    checkWrites(writes);
    checkOrderedWrites(writes, orderField);
    // Each key's comparison and write run in one synchronous step, so nothing lands between them;
    // the host gets a turn between steps of a large batch (as between a Redis pipeline's replies).
    const tieAt = tieField(orderField);
    const out: boolean[] = [];
    for (let i = 0; i < writes.length; i++) {
      if (i % SLICE_WRITES === 0) await hostSlicer.yield();
      const w = writes[i] as KvOrderedWrite;
      const hash = this.cache.get(w.key);
      const stored = hash?.get(orderField);
      if (stored !== undefined) {
        if (Number(stored) > w.order || (Number(stored) === w.order && compareTies(w.tie ?? [], parseTie(hash?.get(tieAt))) < 0)) {
          out.push(false);
          continue;
        }
      }
      const fields = { ...w.fields, [orderField]: String(w.order), ...(w.tie !== undefined ? { [tieAt]: w.tie.join(':') } : {}) };
      this.write({ ...w, fields });
      // A tie stored with an earlier order means nothing at this one.
      if (w.tie === undefined) this.cache.get(w.key)?.delete(tieAt);
      out.push(true);
    }
    return out;
  }

  // Reads answer from memory without I/O: a caller looping on them would never let the host's
  // timers run, so each read first checks the host's time slice (free while it has budget left).
  async hget(key: string, fields: readonly string[]): Promise<Array<string | null>> {
    checkKey(key);
    await hostSlicer.yield();
    return this.read(key, fields);
  }

  async hmgetMany(reads: readonly KvHashRead[]): Promise<Array<Array<string | null>>> {
    reads.forEach((r, i) => checkKey(r?.key, `reads[${i}].key`));
    const out: Array<Array<string | null>> = [];
    for (let i = 0; i < reads.length; i++) {
      if (i % SLICE_WRITES === 0) await hostSlicer.yield();
      const r = reads[i] as KvHashRead;
      out.push(this.read(r.key, r.fields));
    }
    return out;
  }

  async hgetall(key: string): Promise<Record<string, string> | undefined> {
    checkKey(key);
    await hostSlicer.yield();
    const hash = this.cache.get(key);
    return hash === undefined ? undefined : Object.fromEntries(hash);
  }

  async hdel(key: string, fields: readonly string[]): Promise<number> {
    checkKey(key);
    const hash = this.cache.get(key);
    if (hash === undefined) return 0;
    const next = new Map(hash);
    let removed = 0;
    for (const f of fields) if (next.delete(f)) removed += 1;
    if (next.size === 0) this.cache.delete(key);
    else if (removed > 0) this.cache.set(key, next, { noUpdateTTL: true });
    return removed;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    checkKey(key);
    const ttl = checkTtl(ttlMs) as number;
    const hash = this.cache.get(key);
    if (hash === undefined) return false;
    this.cache.set(key, hash, { ttl });
    return true;
  }

  async pttl(key: string): Promise<number> {
    checkKey(key);
    if (!this.cache.has(key)) return -2;
    const left = this.cache.getRemainingTTL(key);
    return Number.isFinite(left) ? Math.max(0, Math.round(left)) : -1;
  }

  async delete(keys: readonly string[]): Promise<number> {
    let n = 0;
    for (const key of keys) if (this.cache.delete(key)) n += 1;
    return n;
  }

  async scan(prefix: string, options: { cursor?: string; count?: number } = {}): Promise<KvScanPage> {
    if (typeof prefix !== 'string') throw new InvalidArgumentError('Invalid prefix: must be a string');
    const count = checkScanCount(options.count);
    const after = decodeCursor(options.cursor);
    const keys: string[] = [];
    for (const key of this.cache.keys()) {
      if (key.startsWith(prefix) && (after === undefined || key > after) && this.cache.has(key)) keys.push(key);
    }
    keys.sort();
    const page = keys.slice(0, count);
    const last = page[page.length - 1];
    return keys.length > count && last !== undefined ? { keys: page, nextCursor: encodeCursor(last) } : { keys: page };
  }

  async close(): Promise<void> {
    this.cache.clear();
  }

  private write(w: KvHashWrite): void {
    const existing = this.cache.get(w.key);
    const next = existing ? new Map(existing) : new Map<string, string>();
    for (const [f, v] of Object.entries(w.fields)) next.set(f, v);
    if (w.ttlMs !== undefined) this.cache.set(w.key, next, { ttl: w.ttlMs });
    else this.cache.set(w.key, next, { noUpdateTTL: true });
  }

  private read(key: string, fields: readonly string[]): Array<string | null> {
    const hash = this.cache.get(key);
    return fields.map((f) => hash?.get(f) ?? null);
  }
}
