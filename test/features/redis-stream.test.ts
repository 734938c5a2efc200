import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { redisStreamSource } from '../../src/redis.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';
import { REDIS_URL, uniqueName } from '../helpers/services.js';

describe.skipIf(!REDIS_URL)('[redis] streaming ingest from Redis Streams', () => {
  let opened: { ml: Mlops; close: () => Promise<void> };
  let redis: Redis;
  const stream = `${uniqueName('stream')}`;
  beforeAll(async () => {
    opened = await FEATURE_BACKENDS[0]!.open({ clock: new ManualClock(2_000_000_000_000) });
    await opened.ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], schema: { vwap: 'float64' } }] });
    redis = new Redis(REDIS_URL as string);
  });
  afterAll(async () => {
    await redis.del(stream);
    redis.disconnect();
    await opened.close();
  });

  it('writes rows, then acknowledges them; unacknowledged entries come back after a crash', async () => {
    for (let i = 0; i < 50; i++) await redis.xadd(stream, '*', 'row', JSON.stringify({ symbol: `S${i % 5}`, event_ts: 1000 + i, vwap: i }));
    // A consumer that reads a batch and dies before writing it: nothing is acknowledged.
    const crashed = redisStreamSource({ url: REDIS_URL, stream, group: 'g', consumer: 'c1', count: 20, blockMs: 50 });
    const first = await crashed.next();
    expect(first.done).toBe(false);
    expect((first.value as { rows: unknown[] }).rows).toHaveLength(20);
    await crashed.return(undefined);
    const pending = (await redis.xpending(stream, 'g')) as [number, ...unknown[]];
    expect(pending[0]).toBe(20);
    // The same consumer restarts: its 20 pending entries first, then the other 30.
    const controller = new AbortController();
    const stop = setTimeout(() => controller.abort(), 1500);
    const stats = await opened.ml.features.ingest('px', redisStreamSource({ url: REDIS_URL, stream, group: 'g', consumer: 'c1', count: 20, blockMs: 50, signal: controller.signal }), {
      batchSize: 10,
      maxDelayMs: 20,
      signal: controller.signal,
    });
    clearTimeout(stop);
    expect(stats.rows).toBe(50);
    expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
    const res = await opened.ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'S0' }, { symbol: 'S4' }] });
    expect(res.rows.map((r) => r.values['px:vwap'])).toEqual([45, 49]);
  });
});
