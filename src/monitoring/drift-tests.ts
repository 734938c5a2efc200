import { binnedShares, countValues, type Value } from './binning.js';
import { chisquare, jensenShannon, kl, ks2samp, psi, wassersteinNormed, ztest } from './stats.js';

export type ColumnKind = 'num' | 'cat';

/** A column's values, cleaned (no null, undefined or NaN), and whether it is numeric. */
export interface TestInput {
  ref: Value[];
  cur: Value[];
  kind: ColumnKind;
}

export interface TestOutcome {
  statistic: number;
  pValue?: number;
}

/**
 * One drift statistic: `p-value` tests drift when p < threshold (default 0.05), `distance` tests when
 * the statistic >= threshold (default 0.1), as Evidently does.
 */
export interface DriftTestSpec {
  decides: 'p-value' | 'distance';
  run(input: TestInput): TestOutcome;
}

/**
 * A distance on binned shares. `fillEmpty`: PSI and K-L fill empty bins (a log of 0 is undefined);
 * Jensen–Shannon does not, as Evidently bins it (`get_binned_data(..., feel_zeroes=False)`).
 */
function distance(metric: (ref: number[], cur: number[]) => number, fillEmpty = true): DriftTestSpec {
  return { decides: 'distance', run: ({ ref, cur, kind }) => {
    const shares = binnedShares(ref, cur, kind === 'num', { fillEmpty });
    return { statistic: metric(shares.ref, shares.cur) };
  } };
}

/**
 * Every drift test, by name: a new statistic is one entry here (its name, how it decides, how it
 * runs), and the type, the list of names and the p-value set all follow from this table.
 */
const TABLE = {
  ks: { decides: 'p-value', run: ({ ref, cur }) => ks2samp(ref as number[], cur as number[]) },
  chisquare: { decides: 'p-value', run: ({ ref, cur }) => chisquare(Object.fromEntries(countValues(ref)), Object.fromEntries(countValues(cur))) },
  z: {
    decides: 'p-value',
    run: ({ ref, cur }) => {
      const keys = [...new Set([...ref, ...cur].map(String))];
      if (keys.length === 1) return { statistic: 0, pValue: 1 };
      const target = keys[0] as string;
      return ztest(ref.filter((v) => String(v) === target).length, ref.length, cur.filter((v) => String(v) === target).length, cur.length);
    },
  },
  wasserstein: { decides: 'distance', run: ({ ref, cur }) => ({ statistic: wassersteinNormed(ref as number[], cur as number[]) }) },
  jensenshannon: distance(jensenShannon, false),
  psi: distance(psi),
  kl: distance(kl),
} as const satisfies Record<string, DriftTestSpec>;

export type DriftTest = keyof typeof TABLE;

export const DRIFT_TEST_TABLE: Readonly<Record<DriftTest, DriftTestSpec>> = TABLE;

export const DRIFT_TESTS = Object.keys(TABLE) as readonly DriftTest[];

export const P_VALUE_TESTS: ReadonlySet<DriftTest> = new Set(DRIFT_TESTS.filter((t) => TABLE[t].decides === 'p-value'));

/** The spec of a test named by a caller, or undefined for a name that is not a drift test. */
export function driftTestSpec(name: unknown): DriftTestSpec | undefined {
  return typeof name === 'string' && Object.hasOwn(TABLE, name) ? TABLE[name as DriftTest] : undefined;
}
