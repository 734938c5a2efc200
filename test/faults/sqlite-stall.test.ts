import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { openSqlite } from '../../src/adapters/sql/sqlite-driver.js';
import { tempDir } from '../helpers/services.js';

/**
 * The host's event loop keeps turning while library calls loop on the embedded defaults. Counts, not
 * times: each loop runs until the host's 1 ms timer has fired 3 times, or gives up after a number of
 * calls that takes seconds; before the fix the timer fired 0 times in any number of calls.
 */
async function ticksDuring(maxCalls: number, call: (i: number) => Promise<unknown>): Promise<{ ticks: number; calls: number }> {
  let ticks = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    ticks += 1;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  let calls = 0;
  try {
    while (calls < maxCalls && ticks < 3) await call(calls++);
  } finally {
    clearTimeout(timer);
  }
  return { ticks, calls };
}

describe('embedded defaults never stall the host', () => {
  let ml: Mlops;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('mlops-stall-');
    ml = await createMlops({ dir: dir.path, env: {} });
    await ml.features.apply({
      entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
      views: [{ name: 'px', entities: ['instrument'], ttl: '10m', schema: { vwap: 'float64' } }],
    });
    await ml.registry.createRegisteredModel({ name: 'stall' });
  });
  afterAll(async () => {
    await ml.close();
    await dir.remove();
  });

  const rows = (i: number) => Array.from({ length: 1000 }, (_, j) => ({ symbol: `S${j}`, event_ts: 1_700_000_000_000 + i * 1000 + j, vwap: j }));

  it('lets a host timer fire during loops of logMetrics, logBatch(1000), buffered logMetrics, push(1000), getOnline and registry writes', async () => {
    const run = await ml.tracking.startRun({ name: 'stall' });
    const buffered = await ml.tracking.startRun({ name: 'stall-buffered', buffered: true });
    const batch = (i: number) => Array.from({ length: 1000 }, (_, j) => ({ key: `m${j % 10}`, value: j, step: i * 100 + Math.floor(j / 10), timestamp: 1_700_000_000_000 + i }));
    const loops: Record<string, [number, (i: number) => Promise<unknown>]> = {
      logMetrics: [3000, (i) => run.logMetrics({ loss: i, acc: i }, { step: i })],
      logBatch: [60, (i) => run.logBatch({ metrics: batch(i) })],
      bufferedLogMetrics: [20_000, (i) => buffered.logMetrics({ a: i, b: i, c: i }, { step: i })],
      push: [30, (i) => ml.features.push('px', rows(i), { to: 'online_and_offline' })],
      getOnline: [5000, () => ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'S1' }, { symbol: 'S2' }] })],
      registryWrites: [2000, (i) => ml.registry.setRegisteredModelTag('stall', `k${i % 20}`, String(i))],
    };
    const fired: Record<string, number> = {};
    for (const [name, [max, call]] of Object.entries(loops)) fired[name] = (await ticksDuring(max, call)).ticks;
    await buffered.end();
    const atLeast3 = Object.fromEntries(Object.entries(fired).map(([name, n]) => [name, n >= 3 ? 'fired' : `fired ${n} times`]));
    expect(atLeast3).toEqual({ logMetrics: 'fired', logBatch: 'fired', bufferedLogMetrics: 'fired', push: 'fired', getOnline: 'fired', registryWrites: 'fired' });
  }, 120_000);

  it('waits for another connection’s write lock on timers, then writes; UNAVAILABLE once busyTimeoutMs has passed', async () => {
    const path = join(dir.path, 'locked.db');
    const driver = await openSqlite({ path, busyTimeoutMs: 400 });
    const other = new Database(path);
    try {
      await driver.execScript('CREATE TABLE t (i INTEGER)');
      other.prepare('BEGIN IMMEDIATE').run();
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          other.prepare('COMMIT').run();
          resolve();
        }, 100),
      );
      // The write waits without holding the event loop: the timer that releases the lock can fire.
      const { ticks } = await ticksDuring(1, () => driver.exec('INSERT INTO t (i) VALUES (1)'));
      await released;
      expect(ticks).toBeGreaterThan(0);
      expect(await driver.query('SELECT i FROM t')).toEqual([{ i: 1 }]);

      other.prepare('BEGIN IMMEDIATE').run();
      await expect(driver.transaction((tx) => tx.exec('INSERT INTO t (i) VALUES (2)'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(driver.exec('INSERT INTO t (i) VALUES (3)')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      other.prepare('ROLLBACK').run();
      expect(await driver.query('SELECT i FROM t ORDER BY i')).toEqual([{ i: 1 }]);
    } finally {
      other.close();
      await driver.close();
    }
  }, 30_000);
});
