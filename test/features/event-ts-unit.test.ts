import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { tempDir } from '../helpers/services.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function runtime(): Promise<Mlops> {
  const dir = await tempDir('mlops-ts-unit-');
  cleanups.push(dir.remove);
  const ml = await createMlops({ dir: dir.path, env: {} });
  cleanups.push(() => ml.close());
  await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap: 'float64' } }] });
  return ml;
}

describe('event_ts in the wrong unit', () => {
  it('in seconds is refused with a message that asks "Seconds?", and nothing is written', async () => {
    const ml = await runtime();
    const seconds = Math.floor(Date.now() / 1000);
    await expect(ml.features.push('px', [{ symbol: 'AAPL', event_ts: Date.now(), vwap: 1 }, { symbol: 'MSFT', event_ts: seconds, vwap: 2 }])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^Invalid rows\[1\]\.event_ts: \d+ is 19\d\d-.* Seconds\? event_ts is in milliseconds/),
    });
    const read = await ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'AAPL' }] });
    expect(read.rows[0]?.status['px:vwap']).toBe('NOT_FOUND');
  });

  it('in microseconds is refused; milliseconds and small synthetic times are taken', async () => {
    const ml = await runtime();
    await expect(ml.features.push('px', [{ symbol: 'AAPL', event_ts: Date.now() * 1000, vwap: 1 }])).rejects.toMatchObject({ message: expect.stringContaining('Microseconds') });
    expect(await ml.features.push('px', [{ symbol: 'AAPL', event_ts: Date.now(), vwap: 1 }, { symbol: 'T', event_ts: 1000, vwap: 1 }], { to: 'offline' })).toBe(2);
  });
});
