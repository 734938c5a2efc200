import { afterEach, describe, expect, it } from 'vitest';
import { type ApplyInput, type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';
import { seeded } from '../../demo/synthetic-market.js';
import { valueDigest } from '../../src/features/tie-break.js';

const DEFS: ApplyInput = {
  entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
  views: [
    { name: 'px', entities: ['instrument'], ttl: 500, schema: { price: 'float64', tag: 'string' } },
    { name: 'forever', entities: ['instrument'], schema: { level: 'int64' } },
  ],
};

interface Stored {
  symbol: string;
  event_ts: number;
  created: number;
  /** The value digest that breaks a tie at equal event and write times (src/features/tie-break.ts). */
  digest: number;
  price: number | null;
  tag: string | null;
}

function oracle(rows: Stored[], symbol: string, t: number, ttl: number): Stored | undefined {
  let best: Stored | undefined;
  for (const r of rows) {
    if (r.symbol !== symbol || r.event_ts > t || (ttl > 0 && r.event_ts < t - ttl)) continue;
    if (!best || r.event_ts > best.event_ts || (r.event_ts === best.event_ts && (r.created > best.created || (r.created === best.created && r.digest > best.digest)))) best = r;
  }
  return best;
}

for (const backend of FEATURE_BACKENDS) {
  describe.skipIf(backend.skip)(`point-in-time joins on ${backend.name}`, () => {
    let opened: { ml: Mlops; close: () => Promise<void> } | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('handles the ttl boundary, equal timestamps, late data and missing entities', async () => {
      const clock = new ManualClock(1_000_000);
      opened = await backend.open({ clock });
      const { ml } = opened;
      await ml.features.apply(DEFS);
      await ml.features.push('px', [{ symbol: 'A', event_ts: 1000, price: 1, tag: 'first' }], { to: 'offline' });
      clock.advance(10);
      // Same event time, written later: wins the tie.
      await ml.features.push('px', [{ symbol: 'A', event_ts: 1000, price: 2, tag: 'second' }], { to: 'offline' });
      clock.advance(10);
      // Late data: event time 900 arrives after 1000.
      await ml.features.push('px', [{ symbol: 'A', event_ts: 900, price: 0.9 }, { symbol: 'A', event_ts: 2000, price: 20 }], { to: 'offline' });
      await ml.features.push('forever', [{ symbol: 'A', event_ts: 1, level: 7 }], { to: 'offline' });
      const out = await ml.features.getHistorical({
        features: ['px:price', 'px:tag', 'forever:level'],
        entityRows: [
          { symbol: 'A', event_ts: 999 }, // sees the late row (900)
          { symbol: 'A', event_ts: 1000 }, // equal time: the later write
          { symbol: 'A', event_ts: 1500 }, // ttl boundary: 1500 - 500 = 1000 is still inside
          { symbol: 'A', event_ts: 1501 }, // just outside the ttl
          { symbol: 'A', event_ts: 899 }, // before everything
          { symbol: 'B', event_ts: 5000 }, // missing entity
          { symbol: 'A', event_ts: new Date(2500).toISOString() }, // ISO time
        ],
      });
      expect(out.map((r) => [r['px:price'], r['px:tag'], r['forever:level']])).toEqual([
        [0.9, null, 7],
        [2, 'second', 7],
        [2, 'second', 7],
        [null, null, 7],
        [null, null, 7],
        [null, null, null],
        [20, null, 7],
      ]);
      expect(out[5]).toEqual({ symbol: 'B', event_ts: 5000, 'px:price': null, 'px:tag': null, 'forever:level': null });
      await expect(ml.features.getHistorical({ features: ['px:price'], entityRows: [{ symbol: 'A' }] })).rejects.toMatchObject({ message: expect.stringContaining('entityRows[0].event_ts') });
      expect(await ml.features.getHistorical({ features: ['px:price'], entityRows: [] })).toEqual([]);
    });

    it('agrees with a brute-force reference on thousands of random rows', async () => {
      const clock = new ManualClock(5_000_000);
      opened = await backend.open({ clock });
      const { ml } = opened;
      await ml.features.apply(DEFS);
      const rnd = seeded(42);
      const symbols = Array.from({ length: 15 }, (_, i) => `S${i}`);
      const stored: Stored[] = [];
      for (let push = 0; push < 12; push++) {
        clock.advance(1 + Math.floor(rnd() * 3));
        const batch = Array.from({ length: 250 }, () => {
          const row = {
            symbol: symbols[Math.floor(rnd() * symbols.length)] as string,
            event_ts: Math.floor(rnd() * 400) * 25,
            price: rnd() < 0.1 ? null : Math.round(rnd() * 1e6) / 100,
            tag: rnd() < 0.5 ? null : `t${Math.floor(rnd() * 5)}`,
          };
          stored.push({ ...row, created: clock.now(), digest: valueDigest([JSON.stringify(row.price), JSON.stringify(row.tag)]) });
          return row;
        });
        await ml.features.push('px', batch, { to: 'offline' });
      }
      const entityRows = Array.from({ length: 3000 }, () => ({ symbol: rnd() < 0.05 ? 'ZZZ' : (symbols[Math.floor(rnd() * symbols.length)] as string), event_ts: Math.floor(rnd() * 11_000) - 200 }));
      const out = await ml.features.getHistorical({ entityRows, features: ['px:price', 'px:tag'] });
      const expected = entityRows.map((e) => {
        const hit = oracle(stored, e.symbol, e.event_ts, 500);
        return [hit?.price ?? null, hit?.tag ?? null];
      });
      expect(out.map((r) => [r['px:price'], r['px:tag']])).toEqual(expected);
      expect(expected.filter((v) => v[0] !== null).length).toBeGreaterThan(1000);
    }, 60_000);
  });
}
