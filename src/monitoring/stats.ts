import { chi2Sf, erfc } from './distributions.js';
import { ks2samp, type TestResult } from './ks.js';

export { ks2samp, type TestResult };

/**
 * Chi-squared goodness of fit as Evidently applies it: categories are the union of both samples',
 * expected counts are the reference shares scaled to the current sample's size.
 * Takes raw counts per category (missing categories count 0).
 */
export function chisquare(refCounts: Record<string, number>, curCounts: Record<string, number>): TestResult {
  const keys = [...new Set([...Object.keys(refCounts), ...Object.keys(curCounts)])];
  const nRef = keys.reduce((s, k) => s + (refCounts[k] ?? 0), 0);
  const nCur = keys.reduce((s, k) => s + (curCounts[k] ?? 0), 0);
  const scale = nCur / nRef;
  let statistic = 0;
  for (const k of keys) {
    const expected = (refCounts[k] ?? 0) * scale;
    const observed = curCounts[k] ?? 0;
    statistic += expected === 0 ? (observed === 0 ? 0 : Infinity) : ((observed - expected) * (observed - expected)) / expected;
  }
  return { statistic, pValue: Number.isFinite(statistic) ? chi2Sf(statistic, keys.length - 1) : 0 };
}

/**
 * Two-proportion Z-test (two-sided) on the share of one category, as Evidently's z-test: p-value 1
 * when both samples hold the same single value.
 */
export function ztest(refCount: number, refTotal: number, curCount: number, curTotal: number): TestResult {
  const p1 = refCount / refTotal;
  const p2 = curCount / curTotal;
  const pooled = (p1 * refTotal + p2 * curTotal) / (refTotal + curTotal);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / refTotal + 1 / curTotal));
  if (se === 0) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / se;
  return { statistic, pValue: erfc(Math.abs(statistic) / Math.SQRT2) };
}

/** Population standard deviation (numpy's np.std, ddof=0). */
export function std(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i] as number;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += ((values[i] as number) - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

/** First Wasserstein distance between two empirical distributions (scipy.stats.wasserstein_distance). */
export function wasserstein(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const u = Float64Array.from(a).sort();
  const v = Float64Array.from(b).sort();
  const all = Float64Array.from([...u, ...v]).sort();
  let i = 0;
  let j = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (i < u.length && (u[i] as number) <= x) i++;
    while (j < v.length && (v[j] as number) <= x) j++;
    total += Math.abs(i / u.length - j / v.length) * ((all[k + 1] as number) - x);
  }
  return total;
}

/** Wasserstein distance divided by the reference's standard deviation (floor 0.001), as Evidently. */
export function wassersteinNormed(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wasserstein(reference, current) / Math.max(std(reference), 0.001);
}

function normalise(p: number[]): number[] {
  const s = p.reduce((x, y) => x + y, 0);
  return p.map((x) => x / s);
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Jensen-Shannon distance with the natural log (scipy.spatial.distance.jensenshannon). */
export function jensenShannon(p: number[], q: number[]): number {
  const a = normalise(p);
  const b = normalise(q);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const m = ((a[i] as number) + (b[i] as number)) / 2;
    sum += relEntr(a[i] as number, m) + relEntr(b[i] as number, m);
  }
  return Math.sqrt(sum / 2);
}

/** Population stability index on binned shares (Evidently: no normalisation). */
export function psi(p: number[], q: number[]): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += ((p[i] as number) - (q[i] as number)) * Math.log((p[i] as number) / (q[i] as number));
  return sum;
}

/** Kullback-Leibler divergence (scipy.stats.entropy(p, q)): both normalised first. */
export function kl(p: number[], q: number[]): number {
  const a = normalise(p);
  const b = normalise(q);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += relEntr(a[i] as number, b[i] as number);
  return sum;
}
