import { InvalidArgumentError } from '../core/errors.js';
import { distinctCount, type Value } from './binning.js';
import { DRIFT_TESTS, P_VALUE_TESTS, driftTestSpec, type ColumnKind, type DriftTest } from './drift-tests.js';

export { DRIFT_TESTS, type ColumnKind, type DriftTest };

export interface ColumnDrift {
  test: DriftTest;
  statistic: number;
  pValue?: number;
  threshold: number;
  drift: boolean;
}

export interface DriftReport {
  datasetDrift: boolean;
  /** Share of columns that drifted. */
  share: number;
  columns: Record<string, ColumnDrift>;
}

export interface ColumnOptions {
  kind?: ColumnKind;
  test?: DriftTest;
  threshold?: number;
}

export interface DriftOptions {
  columns?: Record<string, ColumnOptions>;
  /** Dataset drift when at least this share of columns drifted. Default 0.5. */
  driftShare?: number;
}

/**
 * Evidently's default test for a column: with at most 1000 reference rows, KS for numeric columns
 * with more than 5 distinct values, chi-squared for more than 2, the Z-test otherwise (drift when
 * p < 0.05); with more reference rows, normalised Wasserstein for numeric columns with more than 5
 * distinct values and Jensen-Shannon otherwise (drift when >= 0.1).
 */
export function defaultTest(referenceRows: number, kind: ColumnKind, distinct: number): DriftTest {
  if (referenceRows <= 1000) {
    if (kind === 'num' && distinct > 5) return 'ks';
    return distinct > 2 ? 'chisquare' : 'z';
  }
  return kind === 'num' && distinct > 5 ? 'wasserstein' : 'jensenshannon';
}

export function defaultThreshold(test: DriftTest): number {
  return P_VALUE_TESTS.has(test) ? 0.05 : 0.1;
}

function clean(values: ArrayLike<unknown>): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    out.push(v as Value);
  }
  return out;
}

export function inferKind(values: ArrayLike<unknown>): ColumnKind {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    return typeof v === 'number' ? 'num' : 'cat';
  }
  return 'cat';
}

/**
 * Runs one test. `referenceRows` is the size of the reference the values came from (a profile may
 * hold a sample of a larger reference): it picks the default test as Evidently would on the full data.
 */
export function columnDrift(reference: ArrayLike<unknown>, current: ArrayLike<unknown>, options: ColumnOptions & { referenceRows?: number } = {}): ColumnDrift {
  const ref = clean(reference);
  const cur = clean(current);
  if (ref.length === 0 || cur.length === 0) throw new InvalidArgumentError('Invalid data: a column needs values in both the reference and the current data');
  const kind = options.kind ?? inferKind(ref);
  const distinct = distinctCount([...ref, ...cur]);
  const test = options.test ?? defaultTest(options.referenceRows ?? ref.length, kind, distinct);
  const spec = driftTestSpec(test);
  if (spec === undefined) throw new InvalidArgumentError(`Invalid test: ${JSON.stringify(test)} must be one of ${DRIFT_TESTS.join(', ')}`);
  const threshold = options.threshold ?? defaultThreshold(test);
  const { statistic, pValue } = spec.run({ ref, cur, kind });
  const drift = pValue !== undefined ? pValue < threshold : statistic >= threshold;
  return { test, statistic, ...(pValue !== undefined ? { pValue } : {}), threshold, drift };
}

/** Column-wise drift between two datasets given as columns, and the dataset verdict. */
export function driftReport(
  reference: Record<string, ArrayLike<unknown>>,
  current: Record<string, ArrayLike<unknown>>,
  options: DriftOptions & { referenceRows?: Record<string, number> } = {},
): DriftReport {
  const driftShare = options.driftShare ?? 0.5;
  if (!(driftShare > 0 && driftShare <= 1)) throw new InvalidArgumentError(`Invalid driftShare: ${driftShare} must be in (0, 1]`);
  const columns: Record<string, ColumnDrift> = {};
  for (const [name, values] of Object.entries(current)) {
    const ref = reference[name];
    if (ref === undefined) throw new InvalidArgumentError(`Invalid current.${name}: the reference has no column ${name}`);
    const col = options.columns?.[name] ?? {};
    if (col.test !== undefined && driftTestSpec(col.test) === undefined) {
      throw new InvalidArgumentError(`Invalid columns.${name}.test: ${JSON.stringify(col.test)} must be one of ${DRIFT_TESTS.join(', ')}`);
    }
    const referenceRows = options.referenceRows?.[name];
    columns[name] = columnDrift(ref, values, { ...col, ...(referenceRows !== undefined ? { referenceRows } : {}) });
  }
  const names = Object.keys(columns);
  const drifted = names.filter((n) => columns[n]?.drift).length;
  const share = names.length === 0 ? 0 : drifted / names.length;
  return { datasetDrift: names.length > 0 && share >= driftShare, share, columns };
}
