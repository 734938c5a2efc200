import type { SignalTransport } from '../../core/change-signal.js';

/** One hash write: fields merged into the hash at `key`. */
export interface KvHashWrite {
  key: string;
  fields: Readonly<Record<string, string>>;
  /** Time to live of the whole key from now (ms); omitted keeps the key's current expiry. */
  ttlMs?: number;
}

/** A hash write that carries its own order (an event time); see `hsetManyIfNewer`. */
export interface KvOrderedWrite extends KvHashWrite {
  order: number;
  /**
   * Breaks a tie on `order`: non-negative safe integers compared left to right (a missing element
   * counts as smaller than any), the larger list wins. Kept in the field `<orderField>:tie`. Two
   * writers with the same order then get the same winner whichever arrives last.
   */
  tie?: readonly number[];
}

/** Fields to read from the hash at `key`. */
export interface KvHashRead {
  key: string;
  fields: readonly string[];
}

export interface KvScanPage {
  keys: string[];
  /** Present when more keys may follow. A key may appear on more than one page (Redis SCAN rules). */
  nextCursor?: string;
}

/** What a store that came back empty reports. */
export interface KvResetInfo {
  /** How it was noticed, for logs: e.g. "marker key missing after reconnect". */
  reason: string;
}

/**
 * The contract every online store implements: a hash of string fields per key, read and written in
 * one round trip for many keys. Keys are given without the store's namespace prefix.
 */
export interface KvStore {
  /** Merges fields into one hash. */
  hset(key: string, fields: Readonly<Record<string, string>>, options?: { ttlMs?: number }): Promise<void>;
  /** Merges fields into many hashes in one round trip. */
  hsetMany(writes: readonly KvHashWrite[]): Promise<void>;
  /**
   * Merges fields into many hashes in one round trip, each only when its `order` is at least the
   * number stored in field `orderField` (or none is stored) and, at an equal order, its `tie` is at
   * least the stored one, atomically per key. Feature pushes use it so an older event never
   * overwrites a newer one. Returns, per write, whether it was applied.
   */
  hsetManyIfNewer(writes: readonly KvOrderedWrite[], orderField: string): Promise<boolean[]>;
  /** Reads fields of one hash; null where a field or the key is absent. */
  hget(key: string, fields: readonly string[]): Promise<Array<string | null>>;
  /** Reads fields of many hashes in one round trip; results in request order. */
  hmgetMany(reads: readonly KvHashRead[]): Promise<Array<Array<string | null>>>;
  /** Every field of a hash, or undefined when the key is absent. */
  hgetall(key: string): Promise<Record<string, string> | undefined>;
  /** Removes fields; returns how many existed. */
  hdel(key: string, fields: readonly string[]): Promise<number>;
  /** Sets a key's time to live; false when the key is absent. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Milliseconds left to live; -1 when the key never expires; -2 when it is absent (as Redis PTTL). */
  pttl(key: string): Promise<number>;
  /** Removes keys; returns how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Keys that start with `prefix`, a page at a time. */
  scan(prefix: string, options?: { cursor?: string; count?: number }): Promise<KvScanPage>;
  /**
   * A transport for change signals between processes sharing this store (Redis: pub/sub on a
   * connection of its own), or undefined where there is none (the in-memory store). A new one per
   * call; its owner closes it, and the store closes any left when it closes.
   */
  signalTransport?(): SignalTransport | undefined;

  /**
   * For stores that can lose their data while this process runs (a Redis restarted without
   * persistence): calls `listener` each time the store notices it came back empty. Returns a
   * function that removes the listener. Stores that cannot lose data leave it out.
   */
  onReset?(listener: (info: KvResetInfo) => void): () => void;
  close(): Promise<void>;
}
