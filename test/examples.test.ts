import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { finished, spawnTs } from './helpers/child.js';
import { REDIS_URL, tempDir, uniqueName } from './helpers/services.js';
import { openRedisKvStore } from '../src/adapters/kv/redis-store.js';

// Every example and the demo run here, so none of them can rot.
const files = [
  'demo/index.ts',
  ...readdirSync(new URL('../examples', import.meta.url))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `examples/${f}`),
];

describe('examples and demo run', () => {
  it.each(files)('%s exits 0', async (file) => {
    const dir = await tempDir('mlops-example-');
    try {
      const result = await finished(spawnTs(file, [], { MLOPS_DIR: dir.path }));
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    } finally {
      await dir.remove();
    }
  }, 120_000);
});

describe.skipIf(!REDIS_URL)('[redis] the features example on Redis', () => {
  it('runs with MLOPS_ONLINE pointing at Redis', async () => {
    const dir = await tempDir('mlops-example-');
    const prefix = `${uniqueName('example')}:`;
    try {
      const result = await finished(spawnTs('examples/features.ts', [], { MLOPS_DIR: dir.path, MLOPS_ONLINE: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}` }));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("'px:vwap_5m': 950.5");
    } finally {
      const store = await openRedisKvStore({ url: REDIS_URL as string, prefix });
      const page = await store.scan('', { count: 1000 });
      expect(page.keys.length).toBeGreaterThan(0);
      await store.delete(page.keys);
      await store.close();
      await dir.remove();
    }
  }, 120_000);
});
