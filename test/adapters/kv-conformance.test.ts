import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { createMemoryKvStore } from '../../src/adapters/kv/memory-store.js';
import { kvStoreSuite } from '../../src/testing/kv-suite.js';
import { HAS_REDIS_BINARIES, openClusterStore, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { REDIS_URL, openTestRedis, tempDir } from '../helpers/services.js';

kvStoreSuite('memory (lru-cache)', async () => createMemoryKvStore());

describe.skipIf(!REDIS_URL)('[redis] service-backed', () => {
  kvStoreSuite('redis', () => openTestRedis());
});

// Three masters started by the test on loopback: pipelines and multi-key commands must be split by slot.
describe.skipIf(!REDIS_URL || !HAS_REDIS_BINARIES)('[redis] cluster of 3 masters', () => {
  let cluster: RedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  kvStoreSuite('redis cluster', () => openClusterStore(cluster as RedisCluster));

  it('serves the feature store: entities on different slots are pushed and read back in order', async () => {
    const dir = await tempDir();
    const online = await openClusterStore(cluster as RedisCluster);
    const ml = await createMlops({ dir: dir.path, env: {}, online });
    try {
      await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: { vwap: 'float64' } }] });
      const symbols = Array.from({ length: 20 }, (_, i) => `S${i}`);
      await ml.features.push('px', symbols.map((symbol, i) => ({ symbol, event_ts: Date.now(), vwap: i + 0.5 })), { to: 'online' });
      const res = await ml.features.getOnline({ features: ['px:vwap'], entities: [...symbols, 'NONE'].reverse().map((symbol) => ({ symbol })) });
      expect(res.rows.map((r) => r.values['px:vwap'])).toEqual([null, ...symbols.map((_, i) => i + 0.5).reverse()]);
    } finally {
      await ml.close();
      await online.close();
      await dir.remove();
    }
  });
});
