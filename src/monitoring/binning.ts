/**
 * Evidently's binning for PSI, K-L and Jensen-Shannon: numeric columns with more than 20 distinct
 * reference values get numpy's Sturges edges over both samples together; other columns get the
 * share of each category. Empty bins are filled the way Evidently fills them for PSI and K-L; for
 * Jensen-Shannon Evidently bins with `feel_zeroes=False` (empty bins stay 0, which that distance
 * handles), so `fillEmpty: false` there.
 */
export type Value = number | string | boolean;

/** numpy.histogram_bin_edges(data, 'sturges') for finite numbers. */
export function sturgesEdges(values: ArrayLike<number>): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const ptp = max - min;
  let nbins = 1;
  if (ptp > 0) {
    const width = ptp / (Math.log2(values.length) + 1);
    nbins = Math.ceil(ptp / width);
  }
  const step = (last - first) / nbins;
  const edges = Array.from({ length: nbins + 1 }, (_, i) => i * step + first);
  edges[nbins] = last;
  return edges;
}

/** numpy.histogram counts for uniform edges (last bin closed). */
export function histogram(values: ArrayLike<number>, edges: number[]): number[] {
  const n = edges.length - 1;
  const first = edges[0] as number;
  const last = edges[n] as number;
  const norm = n / (last - first);
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < first || v > last) continue;
    let idx = Math.floor((v - first) * norm);
    if (idx === n) idx -= 1;
    if (v < (edges[idx] as number)) idx -= 1;
    else if (idx !== n - 1 && v >= (edges[idx + 1] as number)) idx += 1;
    counts[idx] = (counts[idx] as number) + 1;
  }
  return counts;
}

function fillZeroes(shares: number[]): number[] {
  const nonZero = shares.filter((x) => x !== 0);
  if (nonZero.length === 0) return shares;
  const min = Math.min(...nonZero);
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((x) => (x === 0 ? fill : x));
}

export function countValues(values: ArrayLike<Value>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const k = String(values[i]);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

export function distinctCount(values: ArrayLike<Value>): number {
  return new Set(Array.from(values as ArrayLike<Value>, String)).size;
}

export function binnedShares(reference: ArrayLike<Value>, current: ArrayLike<Value>, numeric: boolean, options: { fillEmpty?: boolean } = {}): { ref: number[]; cur: number[] } {
  const fill = options.fillEmpty === false ? (shares: number[]) => shares : fillZeroes;
  if (numeric && distinctCount(reference) > 20) {
    const edges = sturgesEdges(Float64Array.from([...(reference as ArrayLike<number>) as number[], ...(current as ArrayLike<number> as number[])] as number[]));
    const ref = histogram(reference as ArrayLike<number>, edges).map((c) => c / reference.length);
    const cur = histogram(current as ArrayLike<number>, edges).map((c) => c / current.length);
    return { ref: fill(ref), cur: fill(cur) };
  }
  const refCounts = countValues(reference);
  const curCounts = countValues(current);
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
  const ref = keys.map((k) => (refCounts.get(k) ?? 0) / reference.length);
  const cur = keys.map((k) => (curCounts.get(k) ?? 0) / current.length);
  return { ref: fill(ref), cur: fill(cur) };
}
