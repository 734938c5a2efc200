import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createMlops } from '../../src/index.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { percentile, sampleMicros, time } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'registry';

export const registrySuite: BenchSuite = {
  name: SUITE,
  description: 'resolving name@alias to a version and verified artifact location',
  async run(ctx) {
    const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-reg-'));
    try {
      const ml = await createMlops({ dir, env: {} });
      const author = ml.as({ id: 'author', roles: ['data-scientist'] });
      const reviewer = ml.as({ id: 'reviewer', roles: ['reviewer'] });
      await author.registry.createRegisteredModel({ name: 'ai-001-signal' });
      const bytes = await buildMlp({ inputSize: 32, layers: [{ weights: new Array(32 * 64).fill(0.01), bias: new Array(64).fill(0) }, { weights: new Array(64).fill(0.02), bias: [0] }] });
      for (let v = 1; v <= 5; v++) {
        await author.registry.createModelVersion({ name: 'ai-001-signal', source: { bytes } });
        await author.registry.requestApproval('ai-001-signal', v);
        await reviewer.registry.approve('ai-001-signal', v);
      }
      await author.registry.setAlias('ai-001-signal', 'champion', 4);
      ctx.log('resolving with a warm cache');
      const svc = ml.as({ id: 'svc', roles: ['service'] });
      await svc.registry.resolve('ai-001-signal@champion');
      const warm = await sampleMicros(100_000, () => svc.registry.resolve('ai-001-signal@champion'));
      ctx.log('resolving with the cache dropped before each call');
      const resolver = (svc.registry as unknown as { engine: { resolver: { invalidate(): void } } }).engine.resolver;
      const cold = await sampleMicros(2_000, () => {
        resolver.invalidate();
        return svc.registry.resolve('ai-001-signal@champion');
      });
      await ml.close();
      // Baseline: the same lookup as one raw better-sqlite3 query on the same database.
      const raw = new Database(join(dir, 'mlops.db'), { readonly: true });
      const stmt = raw.prepare(`SELECT v.version, v.sha256, v.artifact_key, v.approval FROM registry_versions v
        JOIN registry_models m ON m.model_id = v.model_id JOIN registry_aliases a ON a.model_id = v.model_id AND a.version = v.version
        WHERE m.name = ? AND a.alias = ?`);
      const rawSamples = await sampleMicros(20_000, () => stmt.get('ai-001-signal', 'champion'));
      raw.close();
      const out: BenchResult[] = [
        time(SUITE, "resolve('name@alias'), warm cache, vs one raw better-sqlite3 lookup", 'us p50', percentile(warm, 50), percentile(rawSamples, 50), 'p50 <= 50 us', (o) => o <= 50),
        time(SUITE, "resolve('name@alias'), warm cache", 'us p99', percentile(warm, 99), percentile(rawSamples, 99), 'info'),
        time(SUITE, "resolve('name@alias'), cache dropped each call (alias + version + tags + artifact lookups)", 'us p50', percentile(cold, 50), percentile(rawSamples, 50), 'info'),
      ];
      return out;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
