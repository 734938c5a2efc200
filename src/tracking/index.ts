export { Tracking, type StartRunOptions } from './tracking.js';
export { RunHandle, type MetricOptions } from './run-handle.js';
export type { BatchInput, MetricInput, KeyValues } from './run-writes.js';
export type { BufferOptions } from './metric-buffer.js';
export type { ArtifactSource } from './artifacts.js';
export type { CreateRunInput, UpdateRunInput } from './run-store.js';
export { LIMITS as TRACKING_LIMITS } from '../search/index.js';
export * from './types.js';
export type { TrackingEngine } from './tracking.js';
