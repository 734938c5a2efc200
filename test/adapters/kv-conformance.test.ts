import { describe } from 'vitest';
import { createMemoryKvStore } from '../../src/adapters/kv/memory-store.js';
import { kvStoreSuite } from '../../src/testing/kv-suite.js';
import { REDIS_URL, openTestRedis } from '../helpers/services.js';

kvStoreSuite('memory (lru-cache)', async () => createMemoryKvStore());

describe.skipIf(!REDIS_URL)('[redis] service-backed', () => {
  kvStoreSuite('redis', () => openTestRedis());
});
