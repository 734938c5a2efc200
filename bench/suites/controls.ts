import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMlops, type ServedModel } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import type { ControlsEngine } from '../../src/controls/controls.js';
import { percentile, sampleMicros, time } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'controls';

/** p50 of batch-1 predict() with the model's gate as given, and with none, interleaved in rounds so drift hits both alike. */
async function gated(model: ServedModel, rounds = 20, perRound = 500): Promise<{ withGate: number; without: number }> {
  const gate = model.gate;
  const a: number[] = [];
  const b: number[] = [];
  const row = [[0.1, 0.2, 0.3, 0.4]];
  for (let r = 0; r < rounds; r++) {
    model.gate = gate;
    a.push(...(await sampleMicros(perRound, () => model.predict(row))));
    model.gate = undefined;
    b.push(...(await sampleMicros(perRound, () => model.predict(row))));
  }
  model.gate = gate;
  a.sort((x, y) => x - y);
  b.sort((x, y) => x - y);
  return { withGate: percentile(a, 50), without: percentile(b, 50) };
}

export const controlsSuite: BenchSuite = {
  name: SUITE,
  description: 'cost of the kill-switch check and output guards on a batch-1 predict(), and of one halt poll',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-ctl-'));
    const ml = await createMlops({ dir, env: {} });
    const results: BenchResult[] = [];
    try {
      const bytes = await buildMlp({ inputSize: 4, layers: [{ weights: [0.1, 0.2, 0.3, 0.4], bias: [0], activation: 'none' }] });
      ctx.log('batch-1 predict with the controls gate (no halt, no guards) vs without');
      const plain = await ml.serving.load({ bytes, name: 'plain' }, { batching: { maxDelayMicros: 0 } });
      const p = await gated(plain);
      results.push(time(SUITE, 'predict() batch 1, kill-switch check vs none', 'us p50', p.withGate, p.without, 'ratio >= 0.9', (_o, r) => (r ?? 0) >= 0.9));
      ctx.log('batch-1 predict with guards (min, max, finite, maxAbsChange) vs without any gate');
      const guarded = await ml.serving.load({ bytes, name: 'guarded' }, { batching: { maxDelayMicros: 0 }, guards: { Y: { min: -10, max: 10, finite: true, maxAbsChange: 100 } } });
      const g = await gated(guarded);
      results.push(time(SUITE, 'predict() batch 1, guards vs none', 'us p50', g.withGate, g.without, 'ratio >= 0.8', (_o, r) => (r ?? 0) >= 0.8));
      ctx.log('one halt poll (the one-row read each process makes every 250 ms) on SQLite');
      const engine = (ml as unknown as { core: { controls: ControlsEngine } }).core.controls;
      const polls = await sampleMicros(2000, () => engine.wake());
      results.push(time(SUITE, 'halt poll on SQLite (one-row read)', 'us p50', percentile(polls, 50), null, '<= 250 us', (o) => o <= 250));
    } finally {
      await ml.close();
      await rm(dir, { recursive: true, force: true });
    }
    return results;
  },
};
