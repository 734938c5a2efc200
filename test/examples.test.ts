import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { finished, spawnTs } from './helpers/child.js';
import { tempDir } from './helpers/services.js';

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
