import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, UnavailableError, type KvResetInfo, type KvStore, type Mlops } from '../../src/index.js';
import { createMemoryKvStore } from '../../src/adapters.js';
import { PG_URL, dropSchema, tempDir, uniqueName } from '../helpers/services.js';

/** A memory store that can be taken down (every call fails with UNAVAILABLE, as a Redis that is down) or emptied (as a Redis restarted without persistence). */
function flakyStore(): { store: KvStore; setDown(down: boolean): void; restartEmpty(): Promise<void>; calls: () => number } {
  let down = false;
  let calls = 0;
  let inner = createMemoryKvStore();
  const listeners = new Set<(info: KvResetInfo) => void>();
  const store = new Proxy({} as KvStore, {
    get(_target, prop) {
      if (prop === 'onReset') {
        return (listener: (info: KvResetInfo) => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        };
      }
      const value = Reflect.get(inner, prop) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls += 1;
        return down && prop !== 'close' ? Promise.reject(new UnavailableError('online store down')) : (value as (...a: unknown[]) => unknown).apply(inner, args);
      };
    },
  });
  return {
    store,
    setDown: (d) => void (down = d),
    calls: () => calls,
    async restartEmpty() {
      await inner.close();
      inner = createMemoryKvStore();
      for (const l of listeners) l({ reason: 'test: restarted empty' });
    },
  };
}

/** The offline store the fallback and the refill read: embedded SQLite, and PostgreSQL when there is one. */
const METADATA = [
  { name: 'sqlite', skip: false, schema: undefined },
  { name: '[postgres]', skip: !PG_URL, schema: uniqueName('policy') },
];

describe.each(METADATA)('online reads when the online store is unavailable or came back empty ($name)', ({ skip, schema }) => {
  if (skip) {
    it.skip('needs MLOPS_TEST_PG_URL', () => undefined);
    return;
  }
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(options: { nearCache?: boolean } = {}) {
    const dir = await tempDir('mlops-policy-');
    const flaky = flakyStore();
    const pgSchema = schema === undefined ? undefined : uniqueName(schema);
    const metadata = pgSchema === undefined ? {} : { metadata: `${PG_URL}?schema=${pgSchema}` };
    const ml: Mlops = await createMlops({ dir: dir.path, env: {}, online: flaky.store, ...metadata, ...(options.nearCache ? { features: { nearCache: { maxStalenessMs: 60_000 } } } : {}) });
    cleanups.push(dir.remove, () => ml.close());
    if (pgSchema !== undefined) cleanups.push(() => dropSchema(pgSchema));
    await ml.features.apply({
      entities: [
        { name: 'instrument', joinKeys: ['symbol'] },
        { name: 'account', joinKeys: [{ name: 'account_id', type: 'int64' }, 'desk'] },
      ],
      views: [
        { name: 'px', entities: ['instrument'], ttl: '1h', schema: { a: 'float64', tag: 'string' } },
        { name: 'risk', entities: ['account'], ttl: 0, schema: { max_qty: 'int64', enabled: 'bool' } },
        { name: 'hot', entities: ['instrument'], schema: { x: 'float64' }, offline: false },
      ],
    });
    const now = Date.now();
    await ml.features.push('px', [
      { symbol: 'AAPL', event_ts: now - 5000, a: 1, tag: 'old' },
      { symbol: 'AAPL', event_ts: now - 1000, a: 2, tag: 'new' },
      { symbol: 'OLD', event_ts: now - 3 * 3600_000, a: 9, tag: 'stale' },
    ]);
    await ml.features.push('risk', [{ account_id: 7, desk: 'eq', event_ts: now, max_qty: 100, enabled: true }]);
    return { ml, ...flaky };
  }

  it("fails with UNAVAILABLE by default; with 'offline' answers from the offline store with the usual statuses, marked degraded", async () => {
    const { ml, setDown, calls } = await setup();
    const request = {
      features: ['px:a', 'px:tag', 'risk:max_qty', 'risk:enabled'],
      entities: [
        { symbol: 'AAPL', account_id: 7, desk: 'eq' },
        { symbol: 'OLD', account_id: 8, desk: 'eq' },
      ],
    };
    const healthy = await ml.features.getOnline(request);
    expect(healthy.degraded).toBeUndefined();
    setDown(true);
    await expect(ml.features.getOnline(request)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(ml.features.getOnline({ ...request, onUnavailable: 'fail' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const degraded = await ml.features.getOnline({ ...request, onUnavailable: 'offline' });
    expect(degraded.degraded).toBe(true);
    expect(degraded.rows).toEqual(healthy.rows);
    expect(degraded.rows[0]!.values).toEqual({ 'px:a': 2, 'px:tag': 'new', 'risk:max_qty': 100, 'risk:enabled': true });
    expect(degraded.rows[1]!.status).toEqual({ 'px:a': 'OUTSIDE_MAX_AGE', 'px:tag': 'OUTSIDE_MAX_AGE', 'risk:max_qty': 'NOT_FOUND', 'risk:enabled': 'NOT_FOUND' });
    expect(await ml.metrics.text()).toMatch(/feature_online_degraded_reads_total\{view="risk"\} 2/);
    // Just found down: the next degraded read goes straight to the offline store, without waiting for
    // the online store to fail again.
    const before = calls();
    expect((await ml.features.getOnline({ ...request, onUnavailable: 'offline' })).degraded).toBe(true);
    expect(calls()).toBe(before);
    // A view kept online only has nothing to fall back on.
    await expect(ml.features.getOnline({ features: ['hot:x'], entities: [{ symbol: 'AAPL' }], onUnavailable: 'offline' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('view hot has no offline store'),
    });
    await expect(ml.features.getOnline({ ...request, onUnavailable: 'maybe' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('onUnavailable') });
  });

  it('falls back for the near cache too, answering every entity from the offline store', async () => {
    const { ml, setDown } = await setup({ nearCache: true });
    await ml.features.getOnline({ features: ['px:a'], entities: [{ symbol: 'AAPL' }] }); // cached
    setDown(true);
    const out = await ml.features.getOnline({ features: ['px:a'], entities: [{ symbol: 'AAPL' }, { symbol: 'NONE' }], onUnavailable: 'offline' });
    expect(out.degraded).toBe(true);
    expect(out.rows.map((r) => r.values['px:a'])).toEqual([2, null]);
  });

  it('refills a store that reports it came back empty, with events and a metric, leaving the watermark alone', async () => {
    const { ml, restartEmpty } = await setup();
    const events: string[] = [];
    ml.events.on('features.online.reset', (e) => events.push(e.reason));
    const restored = new Promise<Record<string, number>>((resolve) => ml.events.on('features.online.restored', (e) => resolve(e.views)));
    await restartEmpty();
    expect(await restored).toEqual({ px: 1, risk: 1 }); // OLD is outside px's ttl: not refilled
    expect(events).toEqual(['test: restarted empty']);
    const after = await ml.features.getOnline({ features: ['px:a', 'risk:max_qty'], entities: [{ symbol: 'AAPL', account_id: 7, desk: 'eq' }] });
    expect(after.rows[0]!.values).toEqual({ 'px:a': 2, 'risk:max_qty': 100 });
    expect(await ml.metrics.text()).toContain('feature_online_resets_total{outcome="restored"} 1');
    expect(await ml.stores.metadata.query('SELECT watermark FROM features_watermarks')).toEqual([]);
  });
});
