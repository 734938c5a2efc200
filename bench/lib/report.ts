import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResult } from './types.js';

function fmt(n: number | null): string {
  if (n === null || Number.isNaN(n)) return '-';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toPrecision(3);
}

export function table(results: readonly BenchResult[]): string {
  const rows = [
    ['name', 'unit', 'ours', 'baseline', 'ratio', 'goal', 'met'],
    ...results.map((r) => [r.name, r.unit, fmt(r.ours), fmt(r.baseline), r.ratio === null ? '-' : r.ratio.toFixed(2), r.goal, r.met === undefined ? '-' : r.met ? 'yes' : 'NO']),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')).join('\n');
}

export async function writeResults(dir: string, suite: string, results: readonly BenchResult[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${suite}.json`);
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  return path;
}
