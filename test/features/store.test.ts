import { afterEach, describe, expect, it } from 'vitest';
import { type ApplyInput, type FeatureViewInput, type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';

const T0 = 1_800_000_000_000;

const PX: FeatureViewInput = { name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap_5m: 'float64', vol_1h: 'float64', halted: 'bool' } };
const BOOK: FeatureViewInput = { name: 'book', entities: ['instrument', 'venue'], ttl: 0, schema: { depth: 'int64', emb: 'float32_vector', label: 'string' } };
const DEFS: ApplyInput = {
  entities: [{ name: 'instrument', joinKeys: ['symbol'] }, { name: 'venue', joinKeys: [{ name: 'venue_id', type: 'int64' }] }],
  views: [PX, BOOK],
  services: [{ name: 'signal-v1', features: ['px:vwap_5m', 'book:depth'] }],
};

for (const backend of FEATURE_BACKENDS) {
  describe.skipIf(backend.skip)(`feature store on ${backend.name}`, () => {
    let opened: { ml: Mlops; close: () => Promise<void> } | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });
    async function open(clock = new ManualClock(T0), near?: number) {
      opened = await backend.open({ clock, ...(near !== undefined ? { features: { nearCache: { maxStalenessMs: near } } } : {}) });
      await opened.ml.features.apply(DEFS);
      return { ml: opened.ml, clock };
    }

    it('applies definitions with versions; reapplying is a no-op; incompatible changes are refused', async () => {
      const { ml } = await open();
      expect((await ml.features.apply(DEFS)).changed).toEqual([]);
      const px = PX;
      const res = await ml.features.apply({ views: [{ ...px, schema: { ...px.schema, spread: 'float64' } }] });
      expect(res.changed).toEqual(['view:px']);
      expect((await ml.features.getFeatureView('px')).version).toBe(2);
      await ml.features.push('px', [{ symbol: 'A', event_ts: T0, spread: 0.5 }]);
      const refused: ApplyInput[] = [
        { views: [{ ...px, schema: { ...px.schema, vwap_5m: 'int64' as const } }] },
        { views: [{ ...px, entities: ['venue'] }] },
        { views: [{ ...px, schema: { vol_1h: 'float64' } }] },
        { entities: [{ name: 'instrument', joinKeys: ['ticker'] }] },
        { views: [{ ...px, offline: false }] },
        { services: [{ name: 'bad', features: ['px:nope'] }] },
      ];
      for (const change of refused) await expect(ml.features.apply(change), JSON.stringify(change)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(ml.features.apply({ views: [{ ...px, schema: { vol_1h: 'float64' as const } }] })).rejects.toMatchObject({ message: expect.stringContaining('signal-v1 uses it') });
      for (const bad of [
        { entities: [{ name: 'Bad Name', joinKeys: ['x'] }] },
        { views: [{ name: 'v', entities: ['instrument'], schema: { event_ts: 'float64' } }] },
        { views: [{ name: 'v', entities: ['instrument'], schema: { x: 'decimal' } }] },
        { views: [{ name: 'v', entities: ['instrument'], schema: { x: 'int64' }, ttl: '5 minutes' }] },
        { services: [{ name: 's', features: ['no-colon'] }] },
      ]) {
        await expect(ml.features.apply(bad as never), JSON.stringify(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      expect((await ml.features.listFeatureViews()).map((v) => v.name).sort()).toEqual(['book', 'px']);
    });

    it('rejects a whole batch for one bad row, naming row, field and value', async () => {
      const { ml } = await open();
      const rows = [
        { symbol: 'AAPL', event_ts: T0, vwap_5m: 189.5 },
        { symbol: 'MSFT', event_ts: T0, vwap_5m: 'high' },
      ];
      await expect(ml.features.push('px', rows)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Invalid rows[1].vwap_5m: expected float64, got "high"' });
      await expect(ml.features.push('px', [{ symbol: 'A', event_ts: 'yesterday' }])).rejects.toMatchObject({ message: expect.stringContaining('rows[0].event_ts') });
      await expect(ml.features.push('px', [{ symbol: 'A', event_ts: T0, unknown: 1 }])).rejects.toMatchObject({ message: expect.stringContaining('rows[0].unknown') });
      await expect(ml.features.push('px', [{ event_ts: T0, vwap_5m: 1 }])).rejects.toMatchObject({ message: expect.stringContaining('rows[0].symbol') });
      await expect(ml.features.push('book', [{ symbol: 'A', venue_id: 1.5, event_ts: T0 }])).rejects.toMatchObject({ message: expect.stringContaining('rows[0].venue_id') });
      await expect(ml.features.push('px', rows.slice(0, 1), { to: 'nowhere' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.features.push('nope', rows)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const online = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }] });
      expect(online.rows[0]?.status['px:vwap_5m']).toBe('NOT_FOUND');
      expect(await ml.features.getHistorical({ entityRows: [{ symbol: 'AAPL', event_ts: T0 + 1 }], features: ['px:vwap_5m'] })).toEqual([
        { symbol: 'AAPL', event_ts: T0 + 1, 'px:vwap_5m': null },
      ]);
    });

    it('reads online values with a status per value, in entity order, in one call', async () => {
      const { ml, clock } = await open();
      await ml.features.push('px', [
        { symbol: 'AAPL', event_ts: T0 - 1000, vwap_5m: 189.5, vol_1h: 0.2, halted: false },
        { symbol: 'MSFT', event_ts: T0 - 1000, vwap_5m: 410.1 },
      ]);
      await ml.features.push('book', [{ symbol: 'AAPL', venue_id: 7, event_ts: T0, depth: 1200, emb: [0.5, -1], label: 'deep' }], { to: 'online' });
      const res = await ml.features.getOnline({
        features: ['px:vwap_5m', 'px:vol_1h', 'px:halted', 'book:depth', 'book:emb', 'book:label'],
        entities: [{ symbol: 'MSFT', venue_id: 7 }, { symbol: 'AAPL', venue_id: 7 }, { symbol: 'NONE', venue_id: 1 }],
      });
      expect(res.rows[0]).toEqual({
        values: { 'px:vwap_5m': 410.1, 'px:vol_1h': null, 'px:halted': null, 'book:depth': null, 'book:emb': null, 'book:label': null },
        status: { 'px:vwap_5m': 'PRESENT', 'px:vol_1h': 'NOT_FOUND', 'px:halted': 'NOT_FOUND', 'book:depth': 'NOT_FOUND', 'book:emb': 'NOT_FOUND', 'book:label': 'NOT_FOUND' },
      });
      expect(res.rows[1]?.values).toEqual({ 'px:vwap_5m': 189.5, 'px:vol_1h': 0.2, 'px:halted': false, 'book:depth': 1200, 'book:emb': [0.5, -1], 'book:label': 'deep' });
      expect(Object.values(res.rows[2]?.status ?? {})).toEqual(Array(6).fill('NOT_FOUND'));
      const byService = await ml.features.getOnline({ featureService: 'signal-v1', entities: [{ symbol: 'AAPL', venue_id: 7 }] });
      expect(byService.rows[0]?.values).toEqual({ 'px:vwap_5m': 189.5, 'book:depth': 1200 });
      // The view's ttl (10 minutes) is enforced at read time; the boundary itself is still fresh.
      clock.advance(10 * 60_000 - 1000);
      expect((await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }] })).rows[0]?.status['px:vwap_5m']).toBe('PRESENT');
      clock.advance(1);
      const stale = await ml.features.getOnline({ features: ['px:vwap_5m', 'book:depth'], entities: [{ symbol: 'AAPL', venue_id: 7 }] });
      expect(stale.rows[0]).toEqual({ values: { 'px:vwap_5m': null, 'book:depth': 1200 }, status: { 'px:vwap_5m': 'OUTSIDE_MAX_AGE', 'book:depth': 'PRESENT' } });
      await expect(ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ ticker: 'AAPL' }] })).rejects.toMatchObject({ message: expect.stringContaining('entities[0].symbol') });
      await expect(ml.features.getOnline({ features: ['px:nope'], entities: [{ symbol: 'A' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.features.getOnline({ featureService: 'nope', entities: [] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('keeps the newer event time online: an older row never overwrites a newer one', async () => {
      const { ml } = await open();
      await ml.features.push('px', [{ symbol: 'AAPL', event_ts: T0, vwap_5m: 2 }], { to: 'online' });
      await ml.features.push('px', [{ symbol: 'AAPL', event_ts: T0 - 5000, vwap_5m: 1 }], { to: 'online' });
      await ml.features.push('px', [
        { symbol: 'MSFT', event_ts: T0 + 2, vwap_5m: 30 },
        { symbol: 'MSFT', event_ts: T0 + 3, vwap_5m: 31 },
        { symbol: 'MSFT', event_ts: T0 + 1, vwap_5m: 29 },
      ]);
      const res = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }, { symbol: 'MSFT' }] });
      expect(res.rows.map((r) => r.values['px:vwap_5m'])).toEqual([2, 31]);
      await ml.features.push('px', [{ symbol: 'AAPL', event_ts: T0 + 10, vwap_5m: 3 }], { to: 'online' });
      expect((await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }] })).rows[0]?.values['px:vwap_5m']).toBe(3);
    });

    it('serves from the near cache within its staleness bound and drops entries on push', async () => {
      const { ml, clock } = await open(new ManualClock(T0), 5000);
      await ml.features.push('px', [{ symbol: 'AAPL', event_ts: T0, vwap_5m: 1 }], { to: 'online' });
      const read = async () => (await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'AAPL' }] })).rows[0]?.values['px:vwap_5m'];
      expect(await read()).toBe(1);
      // A write by another process (straight to the store) is not seen until the entry is stale.
      await ml.stores.online.hset('fv:px:{["AAPL"]}', { vwap_5m: '2', __event_ts: String(T0 + 1) });
      expect(await read()).toBe(1);
      clock.advance(5001);
      expect(await read()).toBe(2);
      await ml.features.push('px', [{ symbol: 'AAPL', event_ts: T0 + 10, vwap_5m: 3 }], { to: 'online' });
      expect(await read()).toBe(3);
    });

    it('materializes the latest offline value per entity, incrementally from a watermark, and resumes', async () => {
      const { ml } = await open();
      const rows = Array.from({ length: 2500 }, (_, i) => ({ symbol: `S${i % 1200}`, event_ts: T0 + i, vwap_5m: i }));
      await ml.features.push('px', rows, { to: 'offline' });
      const progress: number[] = [];
      const off = ml.events.on('features.materialize.progress', (e) => {
        progress.push(e.written);
        if (progress.length === 1) throw new Error('crash after the first batch');
      });
      await expect(ml.features.materialize({ views: ['px'], start: T0, end: T0 + 2000 })).rejects.toThrow('crash');
      off();
      const resumed = await ml.features.materialize({ views: ['px'], start: T0, end: T0 + 2000 });
      expect(resumed).toEqual({ px: 200 });
      const online = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'S5' }, { symbol: 'S1199' }, { symbol: 'S1100' }] });
      expect(online.rows.map((r) => r.values['px:vwap_5m'])).toEqual([1205, 1199, 1100]);
      expect(await ml.features.materializeIncremental(T0 + 5000)).toEqual({ px: 500, book: 0 });
      const later = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'S5' }, { symbol: 'S1100' }] });
      expect(later.rows.map((r) => r.values['px:vwap_5m'])).toEqual([2405, 2300]);
      expect(await ml.features.materializeIncremental(T0 + 5000, { views: ['px'] })).toEqual({ px: 0 });
    });

    it('ingests an async stream in batches', async () => {
      const { ml } = await open();
      async function* ticks() {
        for (let i = 0; i < 1000; i++) yield { symbol: `T${i % 10}`, event_ts: T0 + i, vwap_5m: i };
        yield [{ symbol: 'T0', event_ts: T0 + 5000, vwap_5m: -1 }];
      }
      const stats = await ml.features.ingest('px', ticks(), { batchSize: 128 });
      expect(stats).toEqual({ rows: 1001, batches: 8, rejected: 0 });
      const res = await ml.features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'T0' }, { symbol: 'T9' }] });
      expect(res.rows.map((r) => r.values['px:vwap_5m'])).toEqual([-1, 999]);
    });

    it('enforces roles on feature views', async () => {
      const { ml } = await open();
      await expect(ml.as({ id: 'v', roles: ['viewer'] }).features.push('px', [])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(ml.as({ id: 'r', roles: ['reviewer'] }).features.apply(DEFS)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await ml.as({ id: 's', roles: ['service'] }).features.push('px', [{ symbol: 'X', event_ts: T0, vwap_5m: 1 }]);
      expect((await ml.as({ id: 'v', roles: ['viewer'] }).features.getOnline({ features: ['px:vwap_5m'], entities: [{ symbol: 'X' }] })).rows[0]?.values['px:vwap_5m']).toBe(1);
    });
  });
}
