import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { prng } from '../../src/monitoring/profile.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'server';
const CONNECTIONS = 64;
const SECONDS = Number(process.env.MLOPS_BENCH_SERVER_SECONDS ?? 10);
const CHILD = fileURLToPath(new URL('../fixtures/server-child.ts', import.meta.url));

async function startChild(mode: 'mlops' | 'bare'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`server child (${mode}) exited with ${code}`)));
  });
  return { url, child };
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, body: string): Promise<Load> {
  const r = await autocannon({
    url: `${url}/v2/models/mlp/infer`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export const serverSuite: BenchSuite = {
  name: SUITE,
  description: `OIP infer over loopback at ${CONNECTIONS} connections (autocannon, ${SECONDS} s) vs a bare fastify route with a fixed answer, each server in its own process`,
  async run(ctx) {
    const r = prng(7);
    const body = JSON.stringify({ inputs: [{ name: 'X', shape: [1, 32], datatype: 'FP32', data: Array.from({ length: 32 }, () => Math.round((r() - 0.5) * 1e4) / 1e4) }] });
    const results: BenchResult[] = [];
    const measured: Record<string, Load> = {};
    for (const mode of ['bare', 'mlops'] as const) {
      const { url, child } = await startChild(mode);
      try {
        ctx.log(`${mode}: warmup`);
        await autocannon({ url: `${url}/v2/models/mlp/infer`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: 2 });
        ctx.log(`${mode}: ${SECONDS} s at ${CONNECTIONS} connections`);
        measured[mode] = await load(url, body);
      } finally {
        child.kill('SIGTERM');
      }
    }
    const ours = measured.mlops as Load;
    const bare = measured.bare as Load;
    if (ours.errors > 0) throw new Error(`${ours.errors} failed infer requests during the run`);
    results.push(
      { suite: SUITE, name: 'OIP infer 32->64->1 MLP, 64 connections', unit: 'requests/s', ours: ours.rps, baseline: bare.rps, ratio: ours.rps / bare.rps, goal: 'report (bare fastify = the ceiling); platform target 10,000/s', met: ours.rps >= 10_000 },
      { suite: SUITE, name: 'OIP infer latency p50', unit: 'ms', ours: ours.p50, baseline: bare.p50, ratio: bare.p50 > 0 && ours.p50 > 0 ? bare.p50 / ours.p50 : null, goal: 'report', },
      { suite: SUITE, name: 'OIP infer latency p99', unit: 'ms', ours: ours.p99, baseline: bare.p99, ratio: bare.p99 > 0 && ours.p99 > 0 ? bare.p99 / ours.p99 : null, goal: 'platform target p99 < 50 ms', met: ours.p99 < 50 },
    );
    return results;
  },
};
