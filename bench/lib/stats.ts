import type { BenchResult } from './types.js';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Times `fn` `iterations` times; returns sorted durations in microseconds. */
export async function sampleMicros(iterations: number, fn: () => Promise<unknown> | unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out.sort((a, b) => a - b);
}

/** A result where higher is better (a rate). */
export function rate(suite: string, name: string, unit: string, ours: number, baseline: number | null, goal: string, minRatio?: number): BenchResult {
  const ratio = baseline === null ? null : ours / baseline;
  return { suite, name, unit, ours, baseline, ratio, goal, ...(minRatio !== undefined && ratio !== null ? { met: ratio >= minRatio } : {}) };
}

/** A result where lower is better (a time). */
export function time(suite: string, name: string, unit: string, ours: number, baseline: number | null, goal: string, check?: (ours: number, ratio: number | null) => boolean): BenchResult {
  const ratio = baseline === null ? null : baseline / ours;
  return { suite, name, unit, ours, baseline, ratio, goal, ...(check ? { met: check(ours, ratio) } : {}) };
}
