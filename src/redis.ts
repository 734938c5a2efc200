export { openRedisKvStore, type RedisKvOptions } from './adapters/kv/redis-store.js';
export type { RedisLike } from './adapters/kv/redis-types.js';
