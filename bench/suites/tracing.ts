// What OpenTelemetry costs on the hottest call: batch-1 predict() with a real SDK registered and sampling
// off (the production setting when a service samples at its edge), beside the same model's predict()
// without the tracing wrapper, interleaved in the same run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { AlwaysOffSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createMlops } from '../../src/index.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { percentile, sampleMicros, time } from '../lib/stats.js';
import type { BenchContext, BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'tracing';

async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-otel-'));
  const ml = await createMlops({ dir, env: {} });
  const provider = new NodeTracerProvider({ sampler: new AlwaysOffSampler() });
  provider.register();
  try {
    const weights = Array.from({ length: 32 * 64 }, (_, i) => ((i * 7919) % 200) / 1000 - 0.1);
    const out = Array.from({ length: 64 }, (_, i) => ((i * 31) % 17) / 17 - 0.5);
    const bytes = await buildMlp({ inputSize: 32, layers: [{ weights, bias: new Array(64).fill(0.01), activation: 'relu' }, { weights: out, bias: [0] }] });
    const model = await ml.serving.load({ bytes, name: 'otel-bench' });
    const bare = Object.getPrototypeOf(model).predict as typeof model.predict;
    const row = { X: { data: new Float32Array(32).fill(0.5), dims: [1, 32] } };
    for (let i = 0; i < 20_000; i++) {
      await model.predict(row);
      await bare.call(model, row);
    }
    ctx.log('batch-1 predict, traced (SDK, sampling off) and bare, interleaved');
    const traced: number[] = [];
    const plain: number[] = [];
    for (let round = 0; round < 10; round++) {
      plain.push(...(await sampleMicros(5000, () => bare.call(model, row))));
      traced.push(...(await sampleMicros(5000, () => model.predict(row))));
    }
    traced.sort((a, b) => a - b);
    plain.sort((a, b) => a - b);
    const p50 = percentile(traced, 50);
    const base = percentile(plain, 50);
    return [time(SUITE, 'batch-1 predict() p50 with an OpenTelemetry SDK, sampling off, vs the same predict() untraced', 'us p50', p50, base, 'overhead < 3% (ratio >= 0.97)', (_o, r) => (r ?? 0) >= 0.97)];
  } finally {
    await provider.shutdown();
    trace.disable();
    await ml.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export const tracingSuite: BenchSuite = { name: SUITE, description: 'OpenTelemetry overhead on the hot path', run };
