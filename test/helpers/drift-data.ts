import { seeded } from '../../demo/synthetic-market.js';

/** The generators of scripts/drift-fixtures.py, so fixture data are rebuilt here without Python. */
export function normal(seed: number, n: number, mean = 0, sd = 1): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    const v = r();
    const z = Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * v);
    return Math.round((mean + sd * z) * 1e6) / 1e6;
  });
}

export function integers(seed: number, n: number, k: number): number[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => Math.floor(r() * k));
}

export function categories(seed: number, n: number, weights: number[]): string[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => {
    const u = r();
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i] as number;
      if (u < acc) return `c${i}`;
    }
    return `c${weights.length - 1}`;
  });
}

export function make(spec: [string, ...unknown[]]): Array<number | string> {
  const [kind, ...args] = spec;
  if (kind === 'normal') return normal(...(args as [number, number, number, number]));
  if (kind === 'integers') return integers(...(args as [number, number, number]));
  return categories(...(args as [number, number, number[]]));
}
