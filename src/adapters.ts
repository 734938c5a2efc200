/**
 * `@trademaster/mlops/adapters`: the embedded stores createMlops uses by default (SQLite, local files,
 * memory), to open one yourself, and the key rule every BlobStore keeps (for your own adapters).
 */
export { openSqlite, type SqliteOptions } from './adapters/sql/sqlite-driver.js';
export { openLocalBlobStore, type LocalBlobOptions } from './adapters/blob/local-store.js';
export { validateBlobKey } from './adapters/blob/blob-key.js';
export { createMemoryKvStore, type MemoryKvOptions } from './adapters/kv/memory-store.js';
