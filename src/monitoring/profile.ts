import { InvalidArgumentError } from '../core/errors.js';
import { inferKind, type ColumnKind } from './drift.js';
import type { Value } from './binning.js';

/** A column's reference: a uniform sample of its values plus facts for data-quality checks. */
export interface ColumnProfile {
  kind: ColumnKind;
  /** Non-null values seen. */
  rows: number;
  /** A uniform random sample (all values when there are at most `sampleSize`). */
  sample: Value[];
  min?: number;
  max?: number;
  /** Category counts (categorical columns, up to 10,000 distinct values). */
  categories?: Record<string, number>;
}

export interface ReferenceProfile {
  columns: Record<string, ColumnProfile>;
  createdAt: number;
}

export type Columns = Record<string, ArrayLike<unknown>>;
export type Rows = Array<Record<string, unknown>>;

const MAX_CATEGORIES = 10_000;

/** Turns rows into columns (the column set is the union of the rows' keys). */
export function toColumns(data: Columns | Rows, field = 'data'): Columns {
  if (Array.isArray(data)) {
    const names = new Set<string>();
    for (const row of data) {
      if (row === null || typeof row !== 'object') throw new InvalidArgumentError(`Invalid ${field}: rows must be objects`);
      for (const k of Object.keys(row)) names.add(k);
    }
    const out: Record<string, unknown[]> = {};
    for (const n of names) out[n] = data.map((r) => r[n]);
    return out;
  }
  if (data === null || typeof data !== 'object') throw new InvalidArgumentError(`Invalid ${field}: expected rows or columns`);
  return data;
}

/** A tiny seeded PRNG for reservoir sampling (mulberry32): cheap, and reproducible in tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reservoir sampling (algorithm R): memory stays at `size` values however many are offered. */
export class Reservoir {
  readonly values: Value[] = [];
  seen = 0;

  constructor(
    private readonly size: number,
    private readonly random: () => number,
  ) {}

  offer(v: Value): void {
    this.seen += 1;
    if (this.values.length < this.size) this.values.push(v);
    else {
      const j = Math.floor(this.random() * this.seen);
      if (j < this.size) this.values[j] = v;
    }
  }

  clear(): void {
    this.values.length = 0;
    this.seen = 0;
  }
}

/** Builds a reference profile from data given as columns or rows. */
export function buildProfile(data: Columns | Rows, options: { sampleSize?: number; seed?: number; kinds?: Record<string, ColumnKind> } = {}): ReferenceProfile {
  const columns = toColumns(data);
  const sampleSize = options.sampleSize ?? 10_000;
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 10) throw new InvalidArgumentError(`Invalid sampleSize: ${sampleSize} must be an integer >= 10`);
  const random = prng(options.seed ?? 1);
  const out: Record<string, ColumnProfile> = {};
  for (const [name, values] of Object.entries(columns)) {
    const kind = options.kinds?.[name] ?? inferKind(values);
    const reservoir = new Reservoir(sampleSize, random);
    let min = Infinity;
    let max = -Infinity;
    const categories: Record<string, number> = {};
    let distinct = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) continue;
      reservoir.offer(v as Value);
      if (kind === 'num') {
        const x = v as number;
        if (x < min) min = x;
        if (x > max) max = x;
      } else {
        const k = String(v);
        if (categories[k] === undefined) {
          if (distinct >= MAX_CATEGORIES) continue;
          distinct += 1;
          categories[k] = 0;
        }
        categories[k] += 1;
      }
    }
    out[name] = {
      kind,
      rows: reservoir.seen,
      sample: reservoir.values,
      ...(kind === 'num' && reservoir.seen > 0 ? { min, max } : {}),
      ...(kind === 'cat' ? { categories } : {}),
    };
  }
  return { columns: out, createdAt: Date.now() };
}
