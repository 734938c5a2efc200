/**
 * Two-sample Kolmogorov-Smirnov test with scipy.stats.ks_2samp's results (two-sided): the exact
 * p-value by counting lattice paths when the larger sample has at most 10,000 values (scipy's
 * 'auto'), else the asymptotic Kolmogorov distribution.
 */
export interface TestResult {
  statistic: number;
  pValue: number;
}

const MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** max |F_a(x) - F_b(x)| over the pooled values; ties handled as scipy does (searchsorted right). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n1 && (a[i] as number) <= x) i++;
    while (j < n2 && (b[j] as number) <= x) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  return d;
}

/**
 * P(D >= d) for samples of m and n values: one minus the share of monotone lattice paths from
 * (0,0) to (m,n) that stay strictly inside |x/m - y/n| < d. Paths are weighted by their
 * probability step by step, so no binomial coefficient overflows.
 */
function exactPValue(m: number, n: number, d: number): number {
  const g = gcd(m, n);
  const lcm = (m / g) * n;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  const a = lcm / m;
  const b = lcm / n;
  // prob[j] = probability of being at (i, j) having stayed inside so far.
  let prob = new Float64Array(n + 1);
  let next = new Float64Array(n + 1);
  prob[0] = 1;
  for (let j = 1; j <= n; j++) prob[j] = Math.abs(-j * b) < h ? (prob[j - 1] as number) * ((n - j + 1) / (m + n - j + 1)) : 0;
  for (let i = 1; i <= m; i++) {
    next.fill(0);
    for (let j = 0; j <= n; j++) {
      if (Math.abs(i * a - j * b) >= h) continue;
      // From (i-1, j) by an x-step, from (i, j-1) by a y-step.
      const remainingFromLeft = m + n - (i - 1) - j;
      let p = (prob[j] as number) * ((m - i + 1) / remainingFromLeft);
      if (j > 0) {
        const remainingFromBelow = m + n - i - (j - 1);
        p += (next[j - 1] as number) * ((n - j + 1) / remainingFromBelow);
      }
      next[j] = p;
    }
    [prob, next] = [next, prob];
  }
  return Math.min(1, Math.max(0, 1 - (prob[n] as number)));
}

/** ln(n!/n^n) for the Ruben-Gambino branch. */
function logNFactorialDivNPowN(n: number): number {
  let s = 0;
  for (let k = 1; k <= n; k++) s += Math.log(k / n);
  return s;
}

function logBinomial(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/** ln Γ(x) (Lanczos, |error| < 1e-14 for x > 0). */
export function lgamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  x -= 1;
  let a = c[0] as number;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += (c[i] as number) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** One-sided Smirnov survival function, exact (Birnbaum-Tingey), summed in log space. */
export function smirnov(n: number, e: number): number {
  if (e <= 0) return 1;
  if (e >= 1) return 0;
  const jmax = Math.floor(n * (1 - e));
  let sum = 0;
  for (let j = 0; j <= jmax; j++) {
    const u = e + j / n;
    const v = 1 - e - j / n;
    if (v <= 0) {
      if (j === n) sum += Math.exp(logBinomial(n, j) + (j - 1) * Math.log(u));
      continue;
    }
    sum += Math.exp(logBinomial(n, j) + (j - 1) * Math.log(u) + (n - j) * Math.log(v));
  }
  return Math.min(1, Math.max(0, e * sum));
}

/**
 * Pelz-Good asymptotic CDF of the Kolmogorov statistic for sample size n at x (the series scipy
 * evaluates in `_kolmogn_PelzGood`, with the same Horner scheme over odd integers).
 */
function pelzGoodCdf(n: number, x: number): number {
  const PI2 = Math.PI * Math.PI;
  const PI4 = PI2 * PI2;
  const PI6 = PI4 * PI2;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z6 * z2;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const div = [z, 6 * z4, 72 * z6 * z, 6480 * z6 * z4];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (div[i] as number);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const qp = Math.pow(q, k2);
    k2extra += k2 * qp;
    const kspi = Math.PI * k;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qp;
  }
  K[2] = (K[2] as number) + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = (K[3] as number) + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / Math.pow(n, i / 2);
  return sum;
}

/** Survival function of the Kolmogorov distribution for sample size n (scipy's kstwo.sf). */
export function kolmogorovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    const cdf = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * Math.pow(1 - x, n);
  if (x >= 0.5) return Math.min(1, 2 * smirnov(n, x));
  const nx2 = t * x;
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return Math.min(1, 2 * smirnov(n, x));
  if (nx2 >= 18) return 0;
  return Math.min(1, Math.max(0, 1 - pelzGoodCdf(n, x)));
}

export function ks2samp(reference: ArrayLike<number>, current: ArrayLike<number>, mode: 'auto' | 'exact' | 'asymp' = 'auto'): TestResult {
  const a = Float64Array.from(reference).sort();
  const b = Float64Array.from(current).sort();
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2samp needs two non-empty samples');
  const d = ksStatistic(a, b);
  const useExact = mode === 'exact' || (mode === 'auto' && Math.max(n1, n2) <= MAX_EXACT_N);
  if (useExact) {
    const p = exactPValue(n1, n2, d);
    if (Number.isFinite(p)) return { statistic: d, pValue: p };
  }
  const en = (n1 * n2) / (n1 + n2);
  return { statistic: d, pValue: kolmogorovSf(Math.round(en), d) };
}
