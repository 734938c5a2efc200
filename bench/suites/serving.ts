import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { createMlops } from '../../src/index.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { sessionRunner } from '../../src/serving/ort.js';
import { prng } from '../../src/monitoring/profile.js';
import { percentile, rate, sampleMicros, time } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';
import { formsBatchOne, formsUnder64Callers } from './serving-forms.js';

const SUITE = 'serving';

function randomWeights(seed: number, n: number): number[] {
  const r = prng(seed);
  return Array.from({ length: n }, () => (r() - 0.5) / 4);
}

async function mlp32(): Promise<Uint8Array> {
  return buildMlp({ inputSize: 32, layers: [{ weights: randomWeights(1, 32 * 64), bias: randomWeights(2, 64), activation: 'relu' }, { weights: randomWeights(3, 64), bias: [0], activation: 'none' }] });
}

/** 256->1024->1024->1: a run of 256 rows takes milliseconds, long enough to block an event loop. */
async function mlpHeavy(): Promise<Uint8Array> {
  const small = (seed: number, n: number) => randomWeights(seed, n).map((w) => w / 4);
  return buildMlp({
    inputSize: 256,
    layers: [
      { weights: small(11, 256 * 1024), bias: small(12, 1024), activation: 'relu' },
      { weights: small(13, 1024 * 1024), bias: small(14, 1024), activation: 'relu' },
      { weights: small(15, 1024), bias: [0], activation: 'none' },
    ],
  });
}

/** `callers` loops calling `call` until `ms` have passed; returns the calls completed. */
async function forMillis(ms: number, callers: number, call: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + ms;
  let calls = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await call();
        calls++;
      }
    }),
  );
  return calls;
}

async function concurrent(callers: number, perCaller: number, call: () => Promise<unknown>): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = 0; i < perCaller; i++) {
        const t0 = performance.now();
        await call();
        latencies.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: (callers * perCaller) / seconds, latencies };
}

/** Rounds taken together: requests over total time, and every latency. */
function pooled(rounds: Array<{ perSecond: number; latencies: number[] }>): { perSecond: number; latencies: number[] } {
  const requests = rounds.map((r) => r.latencies.length);
  const seconds = rounds.reduce((s, r, i) => s + (requests[i] as number) / r.perSecond, 0);
  const latencies = rounds.flatMap((r) => r.latencies).sort((x, y) => x - y);
  return { perSecond: latencies.length / seconds, latencies };
}

export const servingSuite: BenchSuite = {
  name: SUITE,
  description: 'predict() against raw onnxruntime-node session.run, batching under 64 concurrent callers, event-loop delay',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-srv-'));
    const ml = await createMlops({ dir, env: {} });
    try {
      const bytes = await mlp32();
      const row = Float32Array.from(randomWeights(9, 32));
      const raw = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const rawFeed = () => ({ X: new ort.Tensor('float32', row, [1, 32]) });
      const direct = await ml.serving.load({ bytes, name: 'bench-direct' }, { batching: { maxDelayMicros: 0 } });
      const batched = await ml.serving.load({ bytes, name: 'bench-batched' }, { batching: { maxBatchSize: 256, maxDelayMicros: 200 } });
      for (let i = 0; i < 2000; i++) {
        await raw.run(rawFeed());
        await direct.predict(row);
      }
      ctx.log('batch-1 latency, interleaved');
      // The backend handler that predict() runs sessions through (src/serving/ort.ts), timed on its own.
      const handler = sessionRunner(raw);
      const a: number[] = [];
      const b: number[] = [];
      const h: number[] = [];
      for (let round = 0; round < 10; round++) {
        b.push(...(await sampleMicros(1000, () => raw.run(rawFeed()))));
        a.push(...(await sampleMicros(1000, () => direct.predict(row))));
        h.push(...(await sampleMicros(1000, () => handler(rawFeed()))));
      }
      a.sort((x, y) => x - y);
      b.sort((x, y) => x - y);
      h.sort((x, y) => x - y);
      const out: BenchResult[] = [
        time(SUITE, 'batch-1 predict() vs raw session.run, 32->64->1 MLP', 'us p50', percentile(a, 50), percentile(b, 50), 'overhead <= 10% (ratio >= 0.91)', (_o, r) => (r ?? 0) >= 0.91),
        time(SUITE, 'batch-1 predict() vs raw session.run, 32->64->1 MLP', 'us p99', percentile(a, 99), percentile(b, 99), 'info'),
        time(SUITE, 'raw backend handler (what predict() calls) vs raw session.run, batch 1', 'us p50', percentile(h, 50), percentile(b, 50), 'info: what skipping run()\'s re-checks saves'),
      ];
      ctx.log('every input form: batch-1 against raw session.run, 64 callers against a minimal batcher');
      const rowValues = Array.from(row);
      const columns = rowValues.map((_, i) => `f${i}`);
      const formsDirect = await ml.serving.load({ bytes, name: 'bench-forms-direct' }, { columns, batching: { maxDelayMicros: 0 } });
      const formsBatched = await ml.serving.load({ bytes, name: 'bench-forms-batched' }, { columns, batching: { maxBatchSize: 256, maxDelayMicros: 200 } });
      out.push(...(await formsBatchOne(SUITE, ort, raw, formsDirect, rowValues, columns)));
      out.push(...(await formsUnder64Callers(SUITE, ort, bytes, formsBatched, rowValues, columns, concurrent, pooled)));
      ctx.log('64 concurrent callers: warmup, then 3 interleaved rounds');
      // Warm both paths first (JIT, arenas), then alternate so drift on a shared machine hits both.
      await concurrent(64, 100, () => raw.run(rawFeed()));
      await concurrent(64, 300, () => batched.predict(row));
      const delay = monitorEventLoopDelay({ resolution: 1 });
      const rawRounds: Array<{ perSecond: number; latencies: number[] }> = [];
      const ourRounds: Array<{ perSecond: number; latencies: number[] }> = [];
      for (let round = 0; round < 3; round++) {
        rawRounds.push(await concurrent(64, 300, () => raw.run(rawFeed())));
        delay.enable();
        ourRounds.push(await concurrent(64, 1000, () => batched.predict(row)));
        delay.disable();
      }
      const rawRun = pooled(rawRounds);
      const ours = pooled(ourRounds);
      const inlineDelay = delay.percentile(99) / 1e6;
      ctx.log('64 concurrent callers, worker mode');
      const worker = await ml.serving.load({ bytes, name: 'bench-worker' }, { mode: 'worker', batching: { maxBatchSize: 256, maxDelayMicros: 200 } });
      await concurrent(64, 300, () => worker.predict(row));
      const workerDelay = monitorEventLoopDelay({ resolution: 1 });
      workerDelay.enable();
      const inWorker = await concurrent(64, 1000, () => worker.predict(row));
      workerDelay.disable();
      out.push(
        { ...rate(SUITE, '64 concurrent callers through the batcher vs 64 callers on raw session.run', 'predictions/s', ours.perSecond, rawRun.perSecond, '>= 5x raw and >= 200,000/s'), met: ours.perSecond >= 5 * rawRun.perSecond && ours.perSecond >= 200_000 },
        time(SUITE, '64 concurrent callers through the batcher: latency', 'us p99', percentile(ours.latencies, 99), percentile(rawRun.latencies, 99), 'p99 <= 2000 us', (o) => o <= 2000),
        time(SUITE, 'event-loop delay serving the 32->64->1 MLP to 64 callers: worker mode vs inline mode', 'ms p99', workerDelay.percentile(99) / 1e6, inlineDelay, 'info (lower is better)'),
        rate(SUITE, '64 concurrent callers in worker mode vs inline mode', 'predictions/s', inWorker.perSecond, ours.perSecond, 'info'),
      );
      ctx.log(`batches: ${batched.stats.batches} for ${batched.stats.requests} requests`);
      ctx.log('a heavier model (256->1024->1024->1, 16 callers x 64 rows, 1 s per mode): event-loop delay');
      const heavyBytes = await mlpHeavy();
      const heavy: Record<'inline' | 'worker', { delay: number; rowsPerSecond: number }> = { inline: { delay: 0, rowsPerSecond: 0 }, worker: { delay: 0, rowsPerSecond: 0 } };
      for (const mode of ['inline', 'worker'] as const) {
        const model = await ml.serving.load({ bytes: heavyBytes, name: `bench-heavy-${mode}` }, { mode, batching: { maxBatchSize: 256, maxDelayMicros: 200 } });
        const request = new Float32Array(64 * 256).fill(0.1);
        await forMillis(200, 16, () => model.predict(request));
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        const calls = await forMillis(1000, 16, () => model.predict(request));
        loop.disable();
        heavy[mode] = { delay: loop.percentile(99) / 1e6, rowsPerSecond: calls * 64 };
        await model.close();
      }
      out.push(
        time(SUITE, 'event-loop delay serving a 256->1024->1024->1 MLP: worker mode vs inline mode', 'ms p99', heavy.worker.delay, heavy.inline.delay, 'worker keeps the loop free: lower than inline', (_o, r) => r !== null && r > 1),
        rate(SUITE, 'rows/s serving a 256->1024->1024->1 MLP: worker mode vs inline mode', 'rows/s', heavy.worker.rowsPerSecond, heavy.inline.rowsPerSecond, 'info'),
      );
      await raw.release();
      return out;
    } finally {
      await ml.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
