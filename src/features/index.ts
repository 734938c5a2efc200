export { FeatureStore } from './feature-store.js';
export { redisStreamSource, type RedisStreamSourceOptions } from '../adapters/kv/redis-stream-source.js';
export type { StreamMessage, IngestOptions, IngestStats } from './ingest.js';
export type { FeaturesOptions, NearCacheOptions } from './context.js';
export * from './types.js';
export type { OnlineTally } from './feature-store.js';
