import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { finished, spawnTs } from './helpers/child.js';
import { PG_URL, REDIS_URL, dropSchema, tempDir, uniqueName } from './helpers/services.js';
import { S3_CREDENTIALS, TEST_BUCKET, startS3 } from './helpers/s3-server.js';
import { openRedisKvStore } from '../src/adapters/kv/redis-store.js';

// Every example and the demo run here, so none of them can rot.
const files = [
  'demo/index.ts',
  ...readdirSync(new URL('../examples', import.meta.url))
    // production.ts needs PostgreSQL, Redis and S3: it runs in its own suite below.
    .filter((f) => f.endsWith('.ts') && f !== 'production.ts')
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

describe.skipIf(!PG_URL || !REDIS_URL)('[postgres] [redis] [s3] the production example on PostgreSQL, Redis and S3', () => {
  it('runs with all three stores from MLOPS_* variables', async () => {
    const dir = await tempDir('mlops-example-');
    const schema = uniqueName('example');
    const prefix = `${uniqueName('example')}:`;
    const s3 = await startS3();
    try {
      const pg = new URL(PG_URL as string);
      pg.searchParams.set('schema', schema);
      const result = await finished(
        spawnTs('examples/production.ts', [], {
          MLOPS_DIR: dir.path,
          MLOPS_METADATA: pg.toString(),
          MLOPS_ONLINE: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
          MLOPS_ARTIFACTS: `s3://${TEST_BUCKET}/${schema}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true`,
          AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
        }),
      );
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('stores: metadata=postgres');
      expect(result.stdout).toMatch(/EURUSD signal from prod-signal\/1: 0\.\d{4}/);
      expect(result.stdout).toContain('audit chain: intact');
    } finally {
      await s3.stop();
      await dropSchema(schema);
      const store = await openRedisKvStore({ url: REDIS_URL as string, prefix });
      const page = await store.scan('', { count: 1000 });
      if (page.keys.length > 0) await store.delete(page.keys);
      await store.close();
      await dir.remove();
    }
  }, 120_000);
});

describe('the production example without its services', () => {
  it('refuses to start without its variables, naming them', async () => {
    const result = await finished(spawnTs('examples/production.ts', [], { MLOPS_METADATA: '', MLOPS_ONLINE: '', MLOPS_ARTIFACTS: '' }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MLOPS_METADATA, MLOPS_ONLINE, MLOPS_ARTIFACTS');
  });
});
