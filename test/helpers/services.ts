import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgres } from '../../src/adapters/sql/postgres-driver.js';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';
import type { SqlDriver } from '../../src/adapters/sql/types.js';
import type { KvStore } from '../../src/adapters/kv/types.js';
import { clearKvStore } from './kv-cleanup.js';

/** Service URLs for suites that need PostgreSQL or Redis; unset means those suites are skipped by name. */
export const PG_URL = process.env.MLOPS_TEST_PG_URL || undefined;
export const REDIS_URL = process.env.MLOPS_TEST_REDIS_URL || undefined;

/** A name no other test (in this or another process) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A PostgreSQL driver on a fresh schema, dropped again on close. */
export async function openTestPostgres(schema = uniqueName('t')): Promise<SqlDriver> {
  if (!PG_URL) throw new Error('MLOPS_TEST_PG_URL is not set');
  const db = await openPostgres({ url: PG_URL, schema, max: 4 });
  const close = db.close.bind(db);
  let dropped = false;
  db.close = async () => {
    await close();
    if (!dropped) {
      dropped = true;
      await dropSchema(schema);
    }
  };
  return db;
}

/** A Redis store under a fresh key prefix, whose keys are removed on close. */
export async function openTestRedis(prefix = `${uniqueName('t')}:`): Promise<KvStore> {
  if (!REDIS_URL) throw new Error('MLOPS_TEST_REDIS_URL is not set');
  const store = await openRedisKvStore({ url: REDIS_URL, prefix });
  const close = store.close.bind(store);
  let cleaned = false;
  store.close = async () => {
    if (!cleaned) {
      cleaned = true;
      await clearKvStore(store);
    }
    await close();
  };
  return store;
}

/** A temporary folder removed by the returned function. */
export async function tempDir(prefix = 'mlops-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A RabbitMQ stream endpoint (the broker's rabbitmq_stream plugin) for the stream-ingest suites. */
export const RABBIT_STREAM_URL = process.env.MLOPS_TEST_RABBITMQ_STREAM_URL || undefined;
