import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { tempDir } from '../helpers/services.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function freshness(text: string, view: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`mlops_feature_freshness_seconds{view="${view}"}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('mlops_feature_freshness_seconds', () => {
  it('grows at scrape time after writes stop, so MlopsFeaturesStale can fire', async () => {
    const dir = await tempDir('mlops-fresh-');
    cleanups.push(dir.remove);
    const clock = new ManualClock(1_800_000_000_000);
    const ml: Mlops = await createMlops({ dir: dir.path, env: {}, clock });
    cleanups.push(() => ml.close());
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: { vwap: 'float64' } }] });
    await ml.features.push('px', [{ symbol: 'AAPL', event_ts: clock.now() - 2_000, vwap: 1 }]);
    expect(freshness(await ml.metrics.text(), 'px')).toBe(2);
    clock.advance(600_000); // ten minutes without a write
    expect(freshness(await ml.metrics.text(), 'px')).toBe(602);
    await ml.features.push('px', [{ symbol: 'AAPL', event_ts: clock.now(), vwap: 2 }]);
    expect(freshness(await ml.metrics.text(), 'px')).toBe(0);
  });
});
