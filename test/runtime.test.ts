import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMlops } from '../src/index.js';
import { openSqlite } from '../src/adapters/sql/sqlite-driver.js';
import { createMemoryKvStore } from '../src/adapters/kv/memory-store.js';
import { parseArtifactsUrl, parseMetadataUrl, parseOnlineUrl } from '../src/config/store-urls.js';
import { PG_URL, REDIS_URL, dropSchema, tempDir, uniqueName } from './helpers/services.js';
import { S3_CREDENTIALS, TEST_BUCKET, startS3 } from './helpers/s3-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function scratch(): Promise<string> {
  const dir = await tempDir('mlops-rt-');
  cleanups.push(dir.remove);
  return dir.path;
}

describe('createMlops', () => {
  it('with no store options keeps everything under the folder', async () => {
    const dir = await scratch();
    const ml = await createMlops({ dir, env: {} });
    expect(ml.principal).toEqual({ id: 'local', roles: ['admin'] });
    expect(ml.stores.metadata.dialect.name).toBe('sqlite');
    await ml.stores.metadata.query('SELECT 1');
    await ml.stores.artifacts.put('hello.txt', 'hi');
    expect(ml.stores.artifacts.uri).toContain(dir);
    await ml.stores.online.hset('k', { a: '1' });
    expect(existsSync(join(dir, 'mlops.db'))).toBe(true);
    expect(existsSync(join(dir, 'artifacts', 'hello.txt'))).toBe(true);
    await ml.close();
    await ml.close();
    expect(ml.closed).toBe(true);
    expect(() => ml.stores).toThrow(/closed/);
    await expect(openSqlite({ path: join(dir, 'mlops.db') }).then((db) => db.close())).resolves.toBeUndefined();
  });

  it('reads MLOPS_* from the environment', async () => {
    const dir = await scratch();
    const ml = await createMlops({
      env: { MLOPS_METADATA: `sqlite://${join(dir, 'env.db')}`, MLOPS_ARTIFACTS: `file://${join(dir, 'blobs')}`, MLOPS_ONLINE: 'memory' },
    });
    await ml.stores.artifacts.put('x', 'y');
    expect(existsSync(join(dir, 'env.db'))).toBe(true);
    expect(existsSync(join(dir, 'blobs', 'x'))).toBe(true);
    await ml.close();
  });

  it('uses adapter instances as given and leaves them open on close', async () => {
    const dir = await scratch();
    const db = await openSqlite({ path: ':memory:' });
    const kv = createMemoryKvStore();
    const ml = await createMlops({ dir, metadata: db, online: kv, env: {} });
    expect(ml.stores.metadata).toBe(db);
    await ml.close();
    await expect(db.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    await db.close();
  });

  it('acts as another principal over the same stores', async () => {
    const dir = await scratch();
    const ml = await createMlops({ dir, env: {} });
    const reviewer = ml.as({ id: 'alice@desk', roles: ['reviewer'] });
    expect(reviewer.principal).toEqual({ id: 'alice@desk', roles: ['reviewer'] });
    expect(reviewer.stores).toBe(ml.stores);
    expect(ml.principal.id).toBe('local');
    expect(() => ml.as({ id: '', roles: [] })).toThrow(/Invalid principal\.id/);
    expect(() => ml.as({ id: 'x', roles: ['bad role!'] })).toThrow(/Invalid principal\.roles\[0\]/);
    await reviewer.close();
    expect(ml.closed).toBe(true);
  });

  it('registers metrics in the host registry when given one', async () => {
    const dir = await scratch();
    const host = new Registry();
    const a = await createMlops({ dir, metrics: host, env: {} });
    const b = await createMlops({ dir: join(dir, 'b'), metrics: host, env: {} });
    a.metrics.counter({ name: 'demo_total', help: 'x' }).inc();
    b.metrics.counter({ name: 'demo_total', help: 'x' }).inc();
    expect(await host.metrics()).toContain('mlops_demo_total 2');
    await a.close();
    await b.close();
  });

  it('refuses bad URLs naming the option, before opening anything', async () => {
    const dir = await scratch();
    await expect(createMlops({ dir, metadata: 'mysql://x', env: {} })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Invalid metadata'),
    });
    await expect(createMlops({ dir, artifacts: 'ftp://host/x', env: {} })).rejects.toThrow(/Invalid artifacts/);
    await expect(createMlops({ dir, online: 'memcached://x', env: {} })).rejects.toThrow(/Invalid online/);
    await expect(createMlops({ dir, online: 'redis://:hunter2@127.0.0.1:1/0?x', metadata: 'nope', env: {} })).rejects.toThrow(
      /Invalid metadata/,
    );
    expect(existsSync(join(dir, 'mlops.db'))).toBe(false);
  });

  it('hides passwords in error messages and closes what it opened when a later store fails', async () => {
    const dir = await scratch();
    const err = await createMlops({ dir, online: 'redis://:hunter2@127.0.0.1:1/0', env: {} }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    expect((err as Error).message).not.toContain('hunter2');
    // The SQLite file it opened first was closed again: it can be opened and removed.
    const db = await openSqlite({ path: join(dir, 'mlops.db') });
    await db.close();
  });

  it('parses store URLs', () => {
    expect(parseMetadataUrl('sqlite:///tmp/x.db', '/w')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseMetadataUrl('sqlite://rel/x.db', '/w')).toEqual({ kind: 'sqlite', path: '/w/rel/x.db' });
    expect(parseMetadataUrl('sqlite::memory:', '/w')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseMetadataUrl('postgresql://u@h/db', '/w').kind).toBe('postgres');
    expect(parseArtifactsUrl('file:///data/a', '/w')).toEqual({ kind: 'file', root: '/data/a' });
    expect(parseArtifactsUrl('./blobs', '/w')).toEqual({ kind: 'file', root: '/w/blobs' });
    expect(parseArtifactsUrl('s3://bkt/some/prefix/?endpoint=http://127.0.0.1:9000&forcePathStyle=true', '/w')).toEqual({
      kind: 's3',
      bucket: 'bkt',
      prefix: 'some/prefix',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(parseOnlineUrl('memory')).toEqual({ kind: 'memory' });
    expect(parseOnlineUrl('rediss://h:6380/2')).toEqual({ kind: 'redis', url: 'rediss://h:6380/2', db: 2 });
  });
});

describe.skipIf(!PG_URL || !REDIS_URL)('[postgres] [redis] [s3] createMlops on production stores', () => {
  it('opens PostgreSQL, Redis and S3 from URLs and releases them on close', async () => {
    const s3 = await startS3();
    cleanups.push(s3.stop);
    const schema = uniqueName('rt');
    cleanups.push(() => dropSchema(schema));
    process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
    const prefix = `${uniqueName('rt')}:`;
    const ml = await createMlops({
      metadata: `${PG_URL}?schema=${schema}`,
      artifacts: `s3://${TEST_BUCKET}/${uniqueName('rt')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`,
      online: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
      env: {},
    });
    expect(ml.stores.metadata.dialect.name).toBe('postgres');
    const [row] = await ml.stores.metadata.query<{ s: string }>('SELECT current_schema() AS s');
    expect(row?.s).toBe(schema);
    const info = await ml.stores.artifacts.put('a/b.txt', 'hello');
    expect((await ml.stores.artifacts.head('a/b.txt'))?.sha256).toBe(info.sha256);
    await ml.stores.online.hset('k', { a: '1' });
    expect(await ml.stores.online.hget('k', ['a'])).toEqual(['1']);
    await ml.stores.online.delete(['k']);
    await ml.close();
  });
});
