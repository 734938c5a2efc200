import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createMlops, type Mlops } from '../../src/index.js';
import { percentile, sampleMicros, time } from '../lib/stats.js';
import type { BenchContext, BenchResult, BenchSuite } from '../lib/types.js';
import { clearKvStore } from '../../test/helpers/kv-cleanup.js';

const SUITE = 'features';
const FEATURES = Array.from({ length: 50 }, (_, i) => `f${i}`);

function defs() {
  return {
    entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
    views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: Object.fromEntries(FEATURES.map((f) => [f, 'float64' as const])) }],
  };
}

async function onlineLatency(ctx: BenchContext): Promise<BenchResult[]> {
  const raw = new Redis(ctx.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await raw.connect();
  } catch (err) {
    raw.disconnect();
    ctx.log(`redis not reachable (${(err as Error).message}); skipping online benchmarks`);
    return [];
  }
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-feat-'));
  const prefix = `benchfeat:${process.pid}:`;
  const ml = await createMlops({ dir, env: {}, online: `${ctx.redisUrl}?prefix=${encodeURIComponent(prefix)}` });
  try {
    await ml.features.apply(defs());
    const now = Date.now();
    const symbols = Array.from({ length: 100 }, (_, i) => `SYM${i}`);
    await ml.features.push('px', symbols.map((symbol, i) => ({ symbol, event_ts: now, ...Object.fromEntries(FEATURES.map((f, j) => [f, i + j / 100])) })), { to: 'online' });
    const refs = FEATURES.map((f) => `px:${f}`);
    const fields = [...FEATURES, '__event_ts'];
    const keys = symbols.map((s) => `${prefix}fv:px:{${JSON.stringify([s])}}`);
    const out: BenchResult[] = [];
    for (const n of [1, 100]) {
      const entities = symbols.slice(0, n).map((symbol) => ({ symbol }));
      const ours = () => ml.features.getOnline({ features: refs, entities });
      const baseline = async () => {
        const p = raw.pipeline();
        for (const key of keys.slice(0, n)) p.hmget(key, ...fields);
        return p.exec();
      };
      for (let i = 0; i < 300; i++) {
        await ours();
        await baseline();
      }
      ctx.log(`getOnline ${n} x 50 on redis`);
      const a: number[] = [];
      const b: number[] = [];
      for (let round = 0; round < 10; round++) {
        b.push(...(await sampleMicros(200, baseline)));
        a.push(...(await sampleMicros(200, ours)));
      }
      a.sort((x, y) => x - y);
      b.sort((x, y) => x - y);
      const name = `getOnline ${n} entit${n === 1 ? 'y' : 'ies'} x 50 features (redis) vs raw ioredis pipeline of the same HMGETs`;
      out.push(time(SUITE, name, 'us p50', percentile(a, 50), percentile(b, 50), 'ratio >= 0.8', (_o, r) => (r ?? 0) >= 0.8));
      out.push(time(SUITE, name, 'us p99', percentile(a, 99), percentile(b, 99), n === 1 ? 'p99 <= 1000 us (Feast: Java 1.13 ms, Python 7.23 ms)' : 'info', n === 1 ? (o) => o <= 1000 : undefined));
    }
    return out;
  } finally {
    await clearKvStore(ml.stores.online);
    await ml.close();
    raw.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

async function nearCacheHit(ctx: BenchContext): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-near-'));
  const ml = await createMlops({ dir, env: {}, features: { nearCache: { maxStalenessMs: 60_000 } } });
  try {
    await ml.features.apply(defs());
    await ml.features.push('px', [{ symbol: 'AAPL', event_ts: Date.now(), f0: 1.5, f1: 2.5, f2: 3.5 }], { to: 'online' });
    const request = { features: ['px:f0', 'px:f1', 'px:f2'], entities: [{ symbol: 'AAPL' }] };
    for (let i = 0; i < 10_000; i++) await ml.features.getOnline(request);
    ctx.log('near-cache hits');
    const s = await sampleMicros(100_000, () => ml.features.getOnline(request));
    return time(SUITE, 'getOnline near-cache hit, 1 entity x 3 features', 'us p50', percentile(s, 50), null, 'p50 <= 5 us', (o) => o <= 5);
  } finally {
    await ml.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function historical(ctx: BenchContext, label: string, ml: Mlops): Promise<BenchResult> {
  await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'hist', entities: ['instrument'], ttl: '1d', schema: { price: 'float64', volume: 'float64', spread: 'float64' } }] });
  const symbols = 2000;
  const feature = 1_000_000;
  const t0 = 1_700_000_000_000;
  ctx.log(`${label}: loading ${feature.toLocaleString('en-US')} feature rows`);
  for (let start = 0; start < feature; start += 50_000) {
    const rows = Array.from({ length: 50_000 }, (_, j) => {
      const i = start + j;
      return { symbol: `S${i % symbols}`, event_ts: t0 + Math.floor(i / symbols) * 60_000, price: i * 0.01, volume: i % 1000, spread: (i % 7) / 10 };
    });
    await ml.features.push('hist', rows, { to: 'offline' });
  }
  if (ml.stores.metadata.dialect.name === 'postgres') await ml.stores.metadata.execScript('ANALYZE');
  const entityRows = Array.from({ length: 100_000 }, (_, i) => ({ symbol: `S${(i * 7919) % symbols}`, event_ts: t0 + ((i * 104729) % (500 * 60_000)) }));
  ctx.log(`${label}: getHistorical for 100,000 entity rows`);
  const started = performance.now();
  const out = await ml.features.getHistorical({ entityRows, features: ['hist:price', 'hist:volume', 'hist:spread'] });
  const seconds = (performance.now() - started) / 1000;
  if (out.filter((r) => r['hist:price'] !== null).length < 90_000) throw new Error('point-in-time join returned too few values');
  return time(SUITE, `getHistorical 100k entity rows over 1M feature rows (${label})`, 's', seconds, null, '<= 10 s', (o) => o <= 10);
}

async function historicalBoth(ctx: BenchContext): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-hist-'));
  try {
    const ml = await createMlops({ dir, env: {} });
    out.push(await historical(ctx, 'sqlite', ml));
    await ml.close();
    const schema = `benchhist_${process.pid}`;
    const admin = new pg.Client({ connectionString: ctx.pgUrl });
    try {
      await admin.connect();
    } catch (err) {
      ctx.log(`PostgreSQL not reachable (${(err as Error).message}); skipping`);
      return out;
    }
    try {
      const mlpg = await createMlops({ dir, env: {}, metadata: `${ctx.pgUrl}?schema=${schema}` });
      out.push(await historical(ctx, 'postgres', mlpg));
      await mlpg.close();
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const featuresSuite: BenchSuite = {
  name: SUITE,
  description: 'online reads on Redis, the near cache, point-in-time joins at 1M rows',
  async run(ctx) {
    return [...(await onlineLatency(ctx)), await nearCacheHit(ctx), ...(await historicalBoth(ctx))];
  },
};
