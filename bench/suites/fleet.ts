import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createMlops } from '../../src/index.js';
import { rate } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'fleet';
const DURATION_MS = 3000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `processes` writer processes on one schema, started together once all are open; returns their writes per second together. */
async function writesPerSecond(metadata: string, dir: string, mode: 'audited' | 'plain', processes: number): Promise<number> {
  const writers = Array.from({ length: processes }, (_, i) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/fixtures/fleet-writer.ts', metadata, dir, mode, `w${i}`, String(DURATION_MS)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const lines: string[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    createInterface({ input: child.stdout }).on('line', (line) => (line === 'ready' ? ready() : lines.push(line)));
    const exited = new Promise<number>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(Number(lines[0])) : reject(new Error(`writer exited ${code}`)))));
    return { child, isReady, exited };
  });
  await Promise.all(writers.map((w) => w.isReady));
  const startAt = Date.now() + 200;
  for (const w of writers) w.child.stdin?.write(`${startAt}\n`);
  const counts = await Promise.all(writers.map((w) => w.exited));
  return counts.reduce((a, b) => a + b, 0) / (DURATION_MS / 1000);
}

export const fleetSuite: BenchSuite = {
  name: SUITE,
  description: 'audited writes from several processes on one PostgreSQL (the audit chain head serialises them)',
  async run(ctx) {
    const schema = `bench_fleet_${process.pid}`;
    const metadata = `${ctx.pgUrl}?schema=${schema}`;
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-fleet-'));
    try {
      const ml = await createMlops({ metadata, dir, env: {} });
      for (let i = 0; i < 4; i++) await ml.registry.createRegisteredModel({ name: `fleet-bench-w${i}` });
      await ml.close();
      const out: BenchResult[] = [];
      const figures: Record<string, number> = {};
      for (const processes of [1, 4]) {
        for (const mode of ['audited', 'plain'] as const) {
          ctx.log(`${mode} writes, ${processes} process(es), ${DURATION_MS} ms`);
          figures[`${mode}${processes}`] = await writesPerSecond(metadata, dir, mode, processes);
        }
        out.push(
          rate(SUITE, `audited registry writes (model tag), ${processes} process(es), vs unaudited writes (experiment tag), same processes`, 'writes/s', figures[`audited${processes}`] as number, figures[`plain${processes}`] as number, 'info'),
        );
      }
      out.push(rate(SUITE, 'audited registry writes: 4 processes vs 1 process (the chain head bound)', 'writes/s', figures.audited4 as number, figures.audited1 as number, 'info'));
      return out;
    } finally {
      const client = new pg.Client({ connectionString: ctx.pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
