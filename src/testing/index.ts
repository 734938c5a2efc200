/**
 * Conformance suites for adapter authors: run them with vitest against your own SqlDriver, BlobStore
 * or KvStore, exactly as this package runs them against its six implementations.
 */
export { sqlDriverSuite, type SqlSuiteOptions } from './sql-suite.js';
export { blobStoreSuite, HOSTILE_BLOB_KEYS, type BlobSuiteOptions } from './blob-suite.js';
export { kvStoreSuite } from './kv-suite.js';
