import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
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

/**
 * bench/results/latest.md: every suite's last results (ours, the same-run baseline, the ratio, the
 * goal with the published anchors it quotes) and the machine they ran on.
 */
export async function writeLatest(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const lines = [
    '# Benchmark results',
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}. Written ${new Date().toISOString()} by \`npm run bench\`; each suite's figures come from its own latest run (bench/results/<suite>.json).`,
    '',
    '| suite | benchmark | unit | ours | baseline (same run) | ratio | goal / published anchor | met |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const file of files) {
    const results = JSON.parse(await readFile(join(dir, file), 'utf8')) as BenchResult[];
    for (const r of results) {
      const cell = (n: number | null) => (n === null ? '-' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
      lines.push(`| ${r.suite} | ${r.name} | ${r.unit} | ${cell(r.ours)} | ${cell(r.baseline)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.goal} | ${r.met === undefined ? '-' : r.met ? 'yes' : 'no'} |`);
    }
  }
  const path = join(dir, 'latest.md');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}
