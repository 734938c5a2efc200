import { spawn, spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type MlopsOptions } from '../../src/index.js';
import { PG_URL, REDIS_URL, tempDir, uniqueName } from '../helpers/services.js';
import { S3_CREDENTIALS, TEST_BUCKET, startS3 } from '../helpers/s3-server.js';
import { HAS_REDIS_BINARIES } from '../helpers/redis-cluster.js';

const SECRET = 's3cret-h19';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Every text an error carries to a log: message, details, and the whole cause chain. */
function everyText(err: unknown): string {
  const parts: string[] = [];
  let e = err as { message?: unknown; details?: unknown; cause?: unknown; input?: unknown } | undefined;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    parts.push(String(e.message ?? e), JSON.stringify(e.details ?? null), String(e.input ?? ''), String((e as { stack?: unknown }).stack ?? ''));
    e = e.cause as typeof e;
  }
  return parts.join('\n');
}

/** createMlops with these options must fail with this code, a message matching `said`, and no secret. */
async function refused(options: MlopsOptions, code: string, said: RegExp): Promise<Error> {
  const dir = await tempDir('mlops-cfg-');
  cleanups.push(dir.remove);
  const err = await createMlops({ dir: dir.path, env: {}, ...options }).then(
    async (ml) => {
      await ml.close();
      throw new Error('createMlops succeeded');
    },
    (e: unknown) => e as Error,
  );
  expect(err).toMatchObject({ code });
  expect(err.message).toMatch(said);
  expect(everyText(err)).not.toContain(SECRET);
  return err;
}

describe('configuration mistakes fail at createMlops, named, with secrets masked', () => {
  it('a postgres URL with a bad port names the port and masks the password', async () => {
    const err = await refused({ metadata: `postgres://user:${SECRET}@127.0.0.1:notaport/db` }, 'INVALID_ARGUMENT', /Invalid metadata.*port "notaport"/);
    expect(err.message).toContain('user:***@');
  });

  it('a redis URL with a bad port names the port and masks the password', async () => {
    await refused({ online: `redis://:${SECRET}@127.0.0.1:badport/0` }, 'INVALID_ARGUMENT', /Invalid online.*port "badport"/);
    await refused({ online: `redis://:${SECRET}@127.0.0.1:70000/0` }, 'INVALID_ARGUMENT', /port "70000" is not a number from 1 to 65535/);
  });

  it('a redis database that is not a number is refused before anything connects', async () => {
    await refused({ online: `redis://:${SECRET}@127.0.0.1:6379/notadb` }, 'INVALID_ARGUMENT', /database "notadb" is not a number/);
  });

  it('an unreachable PostgreSQL or Redis is UNAVAILABLE, without the password', async () => {
    await refused({ metadata: `postgres://user:${SECRET}@127.0.0.1:1/db?schema=x` }, 'UNAVAILABLE', /Cannot reach PostgreSQL at .*user:\*\*\*@/);
    await refused({ online: `redis://:${SECRET}@127.0.0.1:1/0` }, 'UNAVAILABLE', /Cannot reach Redis at .*:\*\*\*@/);
  });
});

describe.skipIf(!PG_URL)('[postgres] a database or role that does not exist fails at startup', () => {
  const base = new URL(PG_URL ?? 'postgres://localhost/test');

  it('names a missing database and how to create it', async () => {
    const url = new URL(base);
    url.password = SECRET;
    url.pathname = `/${uniqueName('nodb')}`;
    url.searchParams.set('schema', 'x');
    await refused({ metadata: url.toString() }, 'INVALID_ARGUMENT', /database "nodb_.*" does not exist.*createdb/);
  });

  it('names a missing role as PERMISSION_DENIED', async () => {
    const url = new URL(base);
    url.username = uniqueName('norole');
    url.password = SECRET;
    url.searchParams.set('schema', 'x');
    await refused({ metadata: url.toString() }, 'PERMISSION_DENIED', /refused role "norole_.*".*CREATE ROLE/);
  });

  it('warns when the URL names no schema', async () => {
    const warnings: Error[] = [];
    const listener = (w: Error) => warnings.push(w);
    process.on('warning', listener);
    cleanups.push(async () => void process.off('warning', listener));
    const url = new URL(base);
    url.pathname = `/${uniqueName('nodb')}`;
    url.password = SECRET;
    await refused({ metadata: url.toString() }, 'INVALID_ARGUMENT', /does not exist/);
    await new Promise((r) => setImmediate(r));
    const warning = warnings.find((w) => (w as { code?: string }).code === 'MLOPS_PG_NO_SCHEMA');
    expect(warning?.message).toMatch(/\?schema=/);
    expect(warning?.message).not.toContain(SECRET);
  });
});

describe.skipIf(!REDIS_URL)('[redis] a database the server does not have fails at startup', () => {
  it('refuses redis://…/99 instead of writing to database 0', async () => {
    const url = new URL(REDIS_URL ?? 'redis://localhost');
    url.pathname = '/99';
    await refused({ online: url.toString() }, 'INVALID_ARGUMENT', /database 99 does not exist/);
  });
});

describe('[s3] S3 credentials and buckets are checked at startup', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  async function s3Url(bucket = TEST_BUCKET): Promise<string> {
    const s3 = await startS3();
    cleanups.push(s3.stop);
    return `s3://${bucket}/${uniqueName('cfg')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`;
  }

  it('without credentials says which variables to set', async () => {
    const artifacts = await s3Url();
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    await refused({ artifacts }, 'INVALID_ARGUMENT', /no S3 credentials.*AWS_ACCESS_KEY_ID/);
  });

  it('with wrong credentials is PERMISSION_DENIED, without the secret', async () => {
    const artifacts = await s3Url();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWNH19';
    process.env.AWS_SECRET_ACCESS_KEY = SECRET;
    await refused({ artifacts }, 'PERMISSION_DENIED', /S3 refused the credentials/);
  });

  it('names a bucket that does not exist', async () => {
    const artifacts = await s3Url('no-such-bucket-h19');
    process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
    await refused({ artifacts }, 'INVALID_ARGUMENT', /bucket "no-such-bucket-h19" does not exist/);
  });
});

describe.skipIf(!HAS_REDIS_BINARIES)('[redis] a password the server refuses fails at startup', () => {
  it('is PERMISSION_DENIED on a redis-server of its own with requirepass, without the password', async () => {
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 'the-right-one', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    cleanups.push(async () => void child.kill('SIGKILL'));
    for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping']).status !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    await refused({ online: `redis://:${SECRET}@127.0.0.1:${port}/0` }, 'PERMISSION_DENIED', /Redis at .*:\*\*\*@.* refused the credentials/);
    await refused({ online: `redis://127.0.0.1:${port}/0` }, 'PERMISSION_DENIED', /NOAUTH/);
  });
});
