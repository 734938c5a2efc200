import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binnedShares, countValues } from '../../src/monitoring/binning.js';
import { chisquare, jensenShannon, kl, ks2samp, psi, wassersteinNormed, ztest } from '../../src/monitoring/stats.js';
import { make } from '../helpers/drift-data.js';
import { columnDrift } from '../../src/monitoring/drift.js';

interface Fixture {
  data: Record<string, { ref: [string, ...unknown[]]; cur: [string, ...unknown[]] }>;
  expected: Record<string, Record<string, number | { statistic: number; pValue: number }>>;
}

// Python's json writes infinities as bare Infinity; read them back as numbers.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/drift-stats.json', import.meta.url), 'utf8').replace(/(-?)\bInfinity\b/g, '"$1Infinity"'), (_k, v: unknown) =>
  v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v,
) as Fixture;
const TOL = 1e-6;

function close(actual: number, expected: number, what: string): void {
  if (!Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(Math.abs(actual - expected), `${what}: ${actual} vs scipy ${expected}`).toBeLessThanOrEqual(TOL);
}

describe('drift statistics against scipy (fixtures from scripts/drift-fixtures.py)', () => {
  for (const [name, spec] of Object.entries(fixture.data)) {
    it(name, () => {
      const ref = make(spec.ref);
      const cur = make(spec.cur);
      const e = fixture.expected[name] as Fixture['expected'][string];
      const numeric = spec.ref[0] !== 'categories';
      if (e.ks) {
        const got = ks2samp(ref as number[], cur as number[]);
        const want = e.ks as { statistic: number; pValue: number };
        close(got.statistic, want.statistic, 'ks statistic');
        close(got.pValue, want.pValue, 'ks p-value');
      }
      if (e.wassersteinNormed !== undefined) close(wassersteinNormed(ref as number[], cur as number[]), e.wassersteinNormed as number, 'wasserstein');
      const shares = binnedShares(ref, cur, numeric);
      const unfilled = binnedShares(ref, cur, numeric, { fillEmpty: false });
      close(jensenShannon(unfilled.ref, unfilled.cur), e.jensenShannon as number, 'jensen-shannon');
      close(columnDrift(ref, cur, { test: 'jensenshannon', kind: numeric ? 'num' : 'cat' }).statistic, e.jensenShannon as number, 'columnDrift jensenshannon');
      close(columnDrift(ref, cur, { test: 'psi', kind: numeric ? 'num' : 'cat' }).statistic, e.psi as number, 'columnDrift psi');
      close(psi(shares.ref, shares.cur), e.psi as number, 'psi');
      close(kl(shares.ref, shares.cur), e.kl as number, 'kl');
      if (e.chisquare) {
        const got = chisquare(Object.fromEntries(countValues(ref)), Object.fromEntries(countValues(cur)));
        const want = e.chisquare as { statistic: number; pValue: number };
        close(got.statistic, want.statistic, 'chi2 statistic');
        close(got.pValue, want.pValue, 'chi2 p-value');
      }
      if (e.ztest) {
        const got = ztest(ref.filter((x) => x === 'c0').length, ref.length, cur.filter((x) => x === 'c0').length, cur.length);
        const want = e.ztest as { statistic: number; pValue: number };
        close(got.statistic, want.statistic, 'z statistic');
        close(got.pValue, want.pValue, 'z p-value');
      }
    });
  }
});
