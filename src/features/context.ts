import type { KvStore } from '../adapters/kv/types.js';
import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import type { FeaturesBus } from './events.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { AuditSink } from '../governance/index.js';

export interface FeaturesContext {
  sql: SqlDriver;
  kv: KvStore;
  clock: Clock;
  events: FeaturesBus;
  metrics: MetricsRegistry;
  audit: AuditSink;
}

export interface NearCacheOptions {
  /** Most entity keys kept. Default 100,000. */
  maxEntries?: number;
  /** Serve a cached value for at most this long (ms). */
  maxStalenessMs: number;
}

export interface FeaturesOptions {
  /** An in-process cache in front of the online store; off unless given. */
  nearCache?: NearCacheOptions;
}

export const EVENT_TS_FIELD = '__event_ts';

/** The online key of one entity of one view; the entity part is a hash tag for Redis Cluster. */
export function onlineKey(view: string, keyValues: ReadonlyArray<string | number>): string {
  return `fv:${view}:{${JSON.stringify(keyValues)}}`;
}
