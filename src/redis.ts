export { openRedisKvStore, type RedisKvOptions } from './adapters/kv/redis-store.js';
export type { RedisLike } from './adapters/kv/redis-types.js';
export { redisStreamSource, type RedisStreamSourceOptions, type RedisStreamClient, type RedisStreamMessage } from './adapters/kv/redis-stream-source.js';
