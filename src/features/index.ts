export { FeatureStore } from './feature-store.js';
export type { StreamMessage, IngestOptions, IngestStats } from './ingest.js';
export type { FeaturesOptions, NearCacheOptions } from './context.js';
export * from './types.js';
export type { OnlineTally } from './feature-store.js';
export type { FeaturesEngine } from './feature-store.js';
export { readOfflineColumns, type OfflineColumnsRequest } from './offline-columns.js';
export type { FeaturesEvents } from './events.js';
