import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';
import { createRedis, HAS_REDIS_SERVER, type RedisServer } from '../helpers/fault-servers.js';
import { BOUNDED_MS, RESUME_MS, expectOutageContract, throughOutage } from '../helpers/outage.js';
import { tempDir } from '../helpers/services.js';

const SYMBOLS = Array.from({ length: 10 }, (_, i) => `S${i}`);
const REFS = ['px:a', 'px:b'];

interface Setup {
  ml: Mlops;
  redis: RedisServer;
  predictWith(options?: { onUnavailable?: 'fail' | 'offline' }): Promise<(symbol: string) => Promise<number[]>>;
}

describe.skipIf(!HAS_REDIS_SERVER)('[faults] Redis is killed (SIGKILL) under load', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  /** A runtime on embedded SQLite with its online store on a redis-server of its own. */
  async function setup(persistent: boolean): Promise<Setup> {
    const dir = await tempDir('mlops-fault-redis-');
    cleanups.push(dir.remove);
    const redis = await createRedis({ persistent });
    cleanups.push(redis.destroy);
    const ml = await createMlops({ dir: dir.path, online: redis.url });
    cleanups.push(() => ml.close());
    await ml.features.apply({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: { a: 'float64', b: 'float64' } }],
      services: [{ name: 'px-svc', features: REFS }],
    });
    // Y = X: the prediction shows which feature values were joined.
    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 0, 0, 1], bias: [0, 0], activation: 'none' }] });
    return {
      ml,
      redis,
      async predictWith(options = {}) {
        const model = await ml.serving.load({ bytes }, { features: { service: 'px-svc', ...options } });
        return async (symbol) => [...((await model.predict({ entities: [{ symbol }] })).Y!.data as Float32Array)];
      },
    };
  }

  async function pushAll(ml: Mlops, value: (i: number) => number, eventTs = Date.now()): Promise<void> {
    await ml.features.push('px', SYMBOLS.map((symbol, i) => ({ symbol, event_ts: eventTs, a: value(i), b: -value(i) })));
  }


  it('push, getOnline and feature-joined predict fail fast with UNAVAILABLE, lose nothing acknowledged, and resume by themselves', async () => {
    const { ml, redis, predictWith } = await setup(true);
    const outage = { outageMs: 800, down: () => redis.kill(), up: () => redis.start() };
    const pushes = await throughOutage(
      async (i) => {
        const at = Date.now();
        await ml.features.push('px', [{ symbol: SYMBOLS[i % SYMBOLS.length], event_ts: at, a: i, b: -i }]);
        return { i, at };
      },
      { ...outage, before: 20 },
    );
    expectOutageContract(pushes);
    // Every acknowledged push is online (or a newer one is): Redis fsyncs each write before answering.
    const { rows } = await ml.features.getOnline({ features: REFS, entities: SYMBOLS.map((symbol) => ({ symbol })) });
    for (const { i } of pushes.acked) expect(rows[i % SYMBOLS.length]!.values['px:a'] as number).toBeGreaterThanOrEqual(i);

    const reads = await throughOutage(() => ml.features.getOnline({ features: REFS, entities: [{ symbol: 'S1' }] }), { ...outage, before: 10 });
    expectOutageContract(reads);
    expect(reads.acked.at(-1)!.rows[0]!.status['px:a']).toBe('PRESENT');

    const predict = await predictWith();
    const predictions = await throughOutage(() => predict('S2'), { ...outage, before: 10 });
    expectOutageContract(predictions);
    expect(predictions.acked.at(-1)![0]).toBe(rows[2]!.values['px:a']);
  });

  it('a Redis that hangs (SIGSTOP) answers UNAVAILABLE after commandTimeoutMs, and service resumes when it goes on', async () => {
    const dir = await tempDir('mlops-fault-redis-');
    cleanups.push(dir.remove);
    const redis = await createRedis({ persistent: false });
    cleanups.push(redis.destroy);
    const online = await openRedisKvStore({ url: redis.url, commandTimeoutMs: 300 });
    cleanups.push(() => online.close());
    const ml = await createMlops({ dir: dir.path, online });
    cleanups.push(() => ml.close());
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], schema: { a: 'float64' } }] });
    await ml.features.push('px', [{ symbol: 'S1', event_ts: Date.now(), a: 1 }]);
    const read = () => ml.features.getOnline({ features: ['px:a'], entities: [{ symbol: 'S1' }] });
    const report = await throughOutage(read, { before: 5, outageMs: 800, down: async () => redis.pause(), up: async () => redis.resume() });
    expectOutageContract(report);
    for (const f of report.failures) expect(f.ms).toBeLessThan(1000);
    expect(report.acked.at(-1)!.rows[0]!.values['px:a']).toBe(1);
  });

  it("with onUnavailable: 'offline', reads and predictions are answered from the offline store, marked degraded", async () => {
    const { ml, redis, predictWith } = await setup(false);
    await pushAll(ml, (i) => i + 0.5);
    // An entity whose newest value is older than the view's ttl (1h), pushed to both stores.
    await ml.features.push('px', [{ symbol: 'OLD', event_ts: Date.now() - 2 * 3600_000, a: 1, b: 1 }]);
    const predict = await predictWith({ onUnavailable: 'offline' });
    const strict = await predictWith();
    await redis.kill();

    await expect(ml.features.getOnline({ features: REFS, entities: [{ symbol: 'S3' }] })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(strict('S3')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const asked = Date.now();
    const degraded = await ml.features.getOnline({ features: REFS, entities: [{ symbol: 'S3' }, { symbol: 'OLD' }, { symbol: 'NONE' }], onUnavailable: 'offline' });
    expect(Date.now() - asked).toBeLessThan(BOUNDED_MS);
    expect(degraded.degraded).toBe(true);
    expect(degraded.rows.map((r) => r.status['px:a'])).toEqual(['PRESENT', 'OUTSIDE_MAX_AGE', 'NOT_FOUND']);
    expect(degraded.rows[0]!.values).toEqual({ 'px:a': 3.5, 'px:b': -3.5 });
    expect(await predict('S4')).toEqual([4.5, -4.5]);
    expect(await ml.metrics.text()).toMatch(/feature_online_degraded_reads_total\{view="px"\} [1-9]/);
    await expect(ml.features.getOnline({ features: REFS, entities: [], onUnavailable: 'stale' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    await redis.start();
    const back = Date.now();
    let answer = await ml.features.getOnline({ features: REFS, entities: [{ symbol: 'S3' }], onUnavailable: 'offline' });
    while (answer.degraded === true && Date.now() - back < 5000) answer = await ml.features.getOnline({ features: REFS, entities: [{ symbol: 'S3' }], onUnavailable: 'offline' });
    expect(answer.degraded).toBeUndefined();
    expect(Date.now() - back).toBeLessThan(RESUME_MS);
  });

  it('a Redis that restarted empty is noticed and refilled from the offline store, with an event and a metric', async () => {
    const { ml, redis, predictWith } = await setup(false);
    await pushAll(ml, (i) => i);
    const predict = await predictWith(); // missing: 'reject'
    expect(await predict('S7')).toEqual([7, -7]);
    const events: string[] = [];
    ml.events.on('features.online.reset', () => events.push('reset'));
    ml.events.on('features.online.restored', (e) => events.push(`restored ${e.views.px}`));

    await redis.kill();
    await expect(predict('S7')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await redis.start(); // empty: no persistence
    const back = Date.now();
    let out: number[] | undefined;
    while (out === undefined && Date.now() - back < 10_000) {
      out = await predict('S7').catch(() => undefined);
      if (out === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(out).toEqual([7, -7]);
    expect(Date.now() - back).toBeLessThan(RESUME_MS);
    await expect.poll(() => events).toEqual(['reset', `restored ${SYMBOLS.length}`]);
    expect(await ml.metrics.text()).toContain('feature_online_resets_total{outcome="restored"} 1');
    // The materialization watermark is untouched by the refill.
    expect(await ml.stores.metadata.query("SELECT watermark FROM features_watermarks WHERE view = 'px'")).toEqual([]);
  });
});
