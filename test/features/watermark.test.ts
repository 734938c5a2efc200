import { afterEach, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { FEATURE_BACKENDS } from '../helpers/feature-backends.js';

for (const backend of FEATURE_BACKENDS) {
  describe.skipIf(backend.skip)(`materialization watermark on ${backend.name}`, () => {
    let opened: { ml: Mlops; close: () => Promise<void> } | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    it('never moves back when a run over an earlier window finishes last', async () => {
      opened = await backend.open();
      const { ml } = opened;
      await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'wm', entities: ['instrument'], schema: { x: 'float64' } }] });
      await ml.features.push('wm', Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i}`, event_ts: i * 1000, x: i })));
      const watermark = async () => Number((await ml.stores.metadata.query<{ watermark: number }>("SELECT watermark FROM features_watermarks WHERE view = 'wm'"))[0]?.watermark);
      await ml.features.materialize({ views: ['wm'], start: 0, end: 50_000 });
      await ml.features.materialize({ views: ['wm'], start: 0, end: 40_000 });
      expect(await watermark()).toBe(50_000);
      // The next incremental run starts from the furthest end, not from the run that finished last.
      expect(await ml.features.materializeIncremental(60_000)).toEqual({ wm: 0 });
      expect(await watermark()).toBe(60_000);
    });
  });
}
