import { describe, expect, it } from 'vitest';
import { DRIFT_TESTS, columnDrift, driftReport } from '../../src/monitoring/index.js';
import { normal } from '../helpers/drift-data.js';

describe('drift tests as a table', () => {
  const ref = normal(1, 300, 0, 1);
  const cur = normal(2, 300, 0.5, 1);

  it('refuses a test that is not in the table instead of running another one', () => {
    expect(() => columnDrift(ref, cur, { test: 'bogus' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"bogus"') }));
    expect(() => columnDrift(ref, cur, { test: 'toString' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => driftReport({ x: ref }, { x: cur }, { columns: { x: { test: 'constructor' as never } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('runs every listed test under its own name; p-value tests decide on p, the others on the statistic', () => {
    for (const test of DRIFT_TESTS) {
      const r = columnDrift(ref, cur, { test, kind: 'num' });
      expect(r.test).toBe(test);
      expect(Number.isNaN(r.statistic)).toBe(false);
      if (['ks', 'chisquare', 'z'].includes(test)) {
        expect(r.threshold).toBe(0.05);
        expect(r.drift).toBe((r.pValue as number) < 0.05);
      } else {
        expect(r.pValue).toBeUndefined();
        expect(r.threshold).toBe(0.1);
        expect(r.drift).toBe(r.statistic >= 0.1);
      }
    }
    // Each distance test computes its own statistic (a silent fallback would give them one value).
    const distances = ['jensenshannon', 'psi', 'kl'].map((test) => columnDrift(ref, cur, { test: test as never, kind: 'num' }).statistic);
    expect(new Set(distances).size).toBe(3);
  });
});
