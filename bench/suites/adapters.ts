import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { openSqlite } from '../../src/adapters/sql/sqlite-driver.js';
import { openRedisKvStore } from '../../src/adapters/kv/redis-store.js';
import { median, percentile, rate, sampleMicros, time } from '../lib/stats.js';
import type { BenchResult, BenchSuite } from '../lib/types.js';

const SUITE = 'adapters';
const ROWS = 100_000;

function makeRows(): Array<[number, string, number, number]> {
  return Array.from({ length: ROWS }, (_, i) => [i, `run-${i % 1000}`, 1_750_000_000_000 + i, Math.sin(i)]);
}

const DDL = 'CREATE TABLE points (id INTEGER PRIMARY KEY, run TEXT NOT NULL, ts INTEGER NOT NULL, value REAL)';

async function sqlBatchInsert(log: (m: string) => void): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'mlops-bench-'));
  const rows = makeRows();
  const ours: number[] = [];
  const raw: number[] = [];
  try {
    for (let rep = 0; rep < 5; rep++) {
      log(`sqlite batch insert, round ${rep + 1}/5`);
      // Raw better-sqlite3: one prepared statement in one transaction, same pragmas as the driver.
      const rawDb = new Database(join(dir, `raw-${rep}.db`));
      rawDb.pragma('journal_mode = WAL');
      rawDb.pragma('synchronous = NORMAL');
      rawDb.exec(DDL);
      const stmt = rawDb.prepare('INSERT INTO points (id, run, ts, value) VALUES (?, ?, ?, ?)');
      const insertAll = rawDb.transaction((all: typeof rows) => {
        for (const r of all) stmt.run(r[0], r[1], r[2], r[3]);
      });
      let t0 = process.hrtime.bigint();
      insertAll.immediate(rows);
      raw.push(Number(process.hrtime.bigint() - t0) / 1e9);
      rawDb.close();

      const db = await openSqlite({ path: join(dir, `ours-${rep}.db`) });
      await db.execScript(DDL);
      t0 = process.hrtime.bigint();
      await db.insertMany('points', ['id', 'run', 'ts', 'value'], rows);
      ours.push(Number(process.hrtime.bigint() - t0) / 1e9);
      await db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rate(SUITE, 'SqlDriver.insertMany 100k rows (sqlite) vs raw better-sqlite3', 'rows/s', ROWS / median(ours), ROWS / median(raw), 'ratio >= 0.8', 0.8);
}

async function kvMultiGet(redisUrl: string, log: (m: string) => void): Promise<BenchResult[]> {
  const prefix = `bench:${process.pid}:`;
  const raw = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await raw.connect();
  } catch (err) {
    raw.disconnect();
    log(`redis not reachable at ${redisUrl}: ${(err as Error).message}; skipping the KV benchmark`);
    return [];
  }
  const store = await openRedisKvStore({ url: redisUrl, prefix });
  const fields = Array.from({ length: 50 }, (_, f) => `f${f}`);
  const keys = Array.from({ length: 100 }, (_, k) => `entity:${k}`);
  try {
    log('redis: writing 100 keys x 50 fields');
    await store.hsetMany(keys.map((key) => ({ key, fields: Object.fromEntries(fields.map((f, i) => [f, String(i * 1.5)])) })));
    const reads = keys.map((key) => ({ key, fields }));
    const rawRead = async () => {
      const p = raw.pipeline();
      for (const key of keys) p.hmget(prefix + key, ...fields);
      const out = await p.exec();
      return out?.map(([, v]) => v);
    };
    const oursRead = () => store.hmgetMany(reads);
    for (let i = 0; i < 200; i++) {
      await rawRead();
      await oursRead();
    }
    log('redis: timing 100 x 50 multi-get, interleaved');
    const oursSamples: number[] = [];
    const rawSamples: number[] = [];
    for (let round = 0; round < 10; round++) {
      rawSamples.push(...(await sampleMicros(200, rawRead)));
      oursSamples.push(...(await sampleMicros(200, oursRead)));
    }
    oursSamples.sort((a, b) => a - b);
    rawSamples.sort((a, b) => a - b);
    return [
      time(SUITE, 'KvStore.hmgetMany 100 keys x 50 fields (redis) vs raw ioredis pipeline', 'us p50', percentile(oursSamples, 50), percentile(rawSamples, 50), 'ratio >= 0.8', (_o, r) => (r ?? 0) >= 0.8),
      time(SUITE, 'KvStore.hmgetMany 100 keys x 50 fields (redis) vs raw ioredis pipeline', 'us p99', percentile(oursSamples, 99), percentile(rawSamples, 99), 'info'),
    ];
  } finally {
    await store.delete(keys);
    await store.close();
    raw.disconnect();
  }
}

export const adaptersSuite: BenchSuite = {
  name: SUITE,
  description: 'storage adapters against the raw driver libraries',
  async run(ctx) {
    return [await sqlBatchInsert(ctx.log), ...(await kvMultiGet(ctx.redisUrl, ctx.log))];
  },
};
