import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type ApplyInput, type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';
import { tempDir } from '../helpers/services.js';

const DEFS: ApplyInput = {
  entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
  views: [{ name: 'px', entities: ['instrument'], schema: { price: 'float64', venue: 'string' } }],
};

async function offlineRows(ml: Mlops, symbol: string): Promise<Array<{ event_ts: number; price: number }>> {
  const rows = await ml.stores.metadata.query<{ event_ts: number; price: number }>('SELECT event_ts, price FROM features_offline_px WHERE symbol = ? ORDER BY event_ts', [symbol]);
  return rows.map((r) => ({ event_ts: Number(r.event_ts), price: Number(r.price) }));
}

async function online(ml: Mlops, symbol: string): Promise<unknown> {
  return (await ml.features.getOnline({ features: ['px:price'], entities: [{ symbol }] })).rows[0]?.values['px:price'];
}

async function historical(ml: Mlops, symbol: string, event_ts: number): Promise<unknown> {
  return (await ml.features.getHistorical({ features: ['px:price'], entityRows: [{ symbol, event_ts }] }))[0]?.['px:price'];
}

for (const backend of FEATURE_BACKENDS) {
  describe.skipIf(backend.skip)(`equal event times and retried pushes on ${backend.name}`, () => {
    let opened: { ml: Mlops; close: () => Promise<void> } | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('a retried batch (same entities and event times) adds no offline row', async () => {
      opened = await backend.open();
      const { ml } = opened;
      await ml.features.apply(DEFS);
      const batch = [1000, 2000, 3000].map((event_ts, i) => ({ symbol: 'AAPL', event_ts, price: 100 + i, venue: 'X' }));
      expect(await ml.features.push('px', batch)).toBe(3);
      expect(await ml.features.push('px', batch)).toBe(3);
      await ml.features.push('px', [batch[1] as Record<string, unknown>, batch[1] as Record<string, unknown>] as never);
      expect(await offlineRows(ml, 'AAPL')).toEqual([
        { event_ts: 1000, price: 100 },
        { event_ts: 2000, price: 101 },
        { event_ts: 3000, price: 102 },
      ]);
      expect(await online(ml, 'AAPL')).toBe(102);
    });

    it('two values at one event time: the same winner online and offline, in either order of arrival', async () => {
      const clock = new ManualClock(1_000_000);
      opened = await backend.open({ clock });
      const { ml } = opened;
      await ml.features.apply(DEFS);
      for (let i = 0; i < 20; i++) {
        const symbol = `S${i}`;
        const a = { symbol, event_ts: 5000, price: i, venue: 'A' };
        const b = { symbol, event_ts: 5000, price: 1000 + i, venue: 'B' };
        // Same write time: the value digest decides, whichever arrives last.
        await ml.features.push('px', i % 2 === 0 ? [a] : [b]);
        await ml.features.push('px', i % 2 === 0 ? [b] : [a]);
        const off = await historical(ml, symbol, 5000);
        expect(await online(ml, symbol)).toBe(off);
        expect(await offlineRows(ml, symbol)).toHaveLength(1);
        // Materializing the offline winner again changes nothing online.
        await ml.features.materialize({ views: ['px'], start: 0, end: 10_000 });
        expect(await online(ml, symbol)).toBe(off);
      }
      // A later write time wins at an equal event time (a correction), in both stores.
      clock.advance(10);
      await ml.features.push('px', [{ symbol: 'S0', event_ts: 5000, price: -1, venue: 'fix' }]);
      expect(await online(ml, 'S0')).toBe(-1);
      expect(await historical(ml, 'S0', 5000)).toBe(-1);
    });
  });
}

describe('offline tables made before one row per entity and event time', () => {
  it('are upgraded when a runtime opens: the row reads served is kept, duplicates go', async () => {
    const dir = await tempDir('mlops-legacy-');
    try {
      let ml = await createMlops({ dir: dir.path, env: {} });
      await ml.features.apply(DEFS);
      // Put the table back as the previous release made it, with a duplicated event time.
      const sql = ml.stores.metadata;
      await sql.execScript('DROP INDEX features_offline_px_entity_event; ALTER TABLE features_offline_px DROP COLUMN row_digest; DELETE FROM features_offline_layouts;');
      await sql.exec("INSERT INTO features_offline_px (symbol, event_ts, created_ts, price, venue) VALUES ('A', 1, 10, 1.5, 'x'), ('A', 1, 20, 2.5, 'x'), ('A', 1, 20, 3.5, 'x'), ('A', 2, 5, 4.5, 'x')");
      await ml.close();
      ml = await createMlops({ dir: dir.path, env: {} });
      expect(await offlineRows(ml, 'A')).toEqual([
        { event_ts: 1, price: 3.5 },
        { event_ts: 2, price: 4.5 },
      ]);
      await ml.features.push('px', [{ symbol: 'A', event_ts: 2, price: 9, venue: 'y' }]);
      await ml.features.push('px', [{ symbol: 'A', event_ts: 2, price: 9, venue: 'y' }]);
      expect(await offlineRows(ml, 'A')).toEqual([
        { event_ts: 1, price: 3.5 },
        { event_ts: 2, price: 9 },
      ]);
      await ml.close();
    } finally {
      await dir.remove();
    }
  });
});
