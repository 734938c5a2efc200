/**
 * Conformance suites for adapter authors: run them with vitest against your own SqlDriver, BlobStore
 * or KvStore, exactly as this package runs them against its six implementations.
 */
export { sqlDriverSuite, type SqlSuiteOptions } from './sql-suite.js';
export { blobStoreSuite, HOSTILE_BLOB_KEYS, type BlobSuiteOptions } from './blob-suite.js';
export { kvStoreSuite } from './kv-suite.js';
/** Small ONNX models built in JS (no binaries, no Python), for tests and examples. */
export { buildMlp, buildLogisticRegression, type MlpSpec, type DenseLayer } from '../onnx/index.js';
/** A clock tests move by hand: `createMlops({ clock })`. */
export { ManualClock } from '../core/clock.js';
