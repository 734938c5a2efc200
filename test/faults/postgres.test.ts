import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/sql/postgres-driver.js';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import { createPostgres, HAS_POSTGRES_BINARIES, type PostgresServer } from '../helpers/fault-servers.js';
import { finished, spawnTs } from '../helpers/child.js';
import { BOUNDED_MS, RESUME_MS, expectOutageContract, throughOutage } from '../helpers/outage.js';
import { tempDir, uniqueName } from '../helpers/services.js';


describe.skipIf(!HAS_POSTGRES_BINARIES)('[faults] PostgreSQL crashes (pg_ctl stop -m immediate) under load', () => {
  let pg: PostgresServer;
  let dir: { path: string; remove: () => Promise<void> };
  const runtimes: Mlops[] = [];

  beforeAll(async () => {
    pg = await createPostgres();
    dir = await tempDir('mlops-fault-pg-');
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(runtimes.map((ml) => ml.close()));
    await pg?.destroy();
    await dir?.remove();
  });

  async function runtime(): Promise<Mlops> {
    const ml = await createMlops({ dir: dir.path, metadata: `${pg.url}?schema=${uniqueName('f')}`, artifacts: `${dir.path}/artifacts`, online: 'memory' });
    runtimes.push(ml);
    return ml;
  }


  it('a transaction whose connection dies while checked out fails with UNAVAILABLE and the process lives on', async () => {
    const db = await openPostgres({ url: pg.url, schema: uniqueName('tx') });
    try {
      const started = Date.now();
      const failed = db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        // The connection is checked out of the pool now; the server goes away under it.
        await pg.crash();
        await new Promise((r) => setTimeout(r, 50));
        await tx.query('SELECT 1');
      });
      await expect(failed).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(BOUNDED_MS + 1000);
      await pg.start();
      const back = Date.now();
      await expect(db.query<{ one: number }>('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
      expect(Date.now() - back).toBeLessThan(RESUME_MS);
    } finally {
      await db.close();
    }
  });

  it('a host process logging in a loop survives the crash and exits 0 (the reported bug: exit code 1)', async () => {
    const child = spawnTs('test/fixtures/pg-fault-writer.ts', [`${pg.url}?schema=${uniqueName('child')}`, dir.path, '5']);
    const done = finished(child);
    const lines: string[] = [];
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    while (lines.filter((l) => l.startsWith('ack')).length < 20) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pg.crash();
    await new Promise((r) => setTimeout(r, 700));
    await pg.start();
    const marker = lines.length;
    const exit = await done;
    expect(exit.code, exit.stderr).toBe(0);
    expect(lines.at(-1)).toBe('alive');
    const failures = lines.filter((l) => l.startsWith('fail'));
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures)).toEqual(new Set(['fail UNAVAILABLE']));
    expect(lines.slice(marker).some((l) => l.startsWith('ack'))).toBe(true);
  }, 60_000);

  it('logBatch: callers get UNAVAILABLE fast, nothing acknowledged is lost, and logging resumes by itself', async () => {
    const ml = await runtime();
    const exp = await ml.tracking.createExperiment({ name: 'faults' });
    const run = await ml.tracking.startRun({ experimentId: exp.experimentId });
    const report = await throughOutage(
      async (i) => {
        await run.logBatch({ metrics: [{ key: 'loss', value: i / 10, step: i }], tags: { last: String(i) } });
        return i;
      },
      { before: 20, outageMs: 1000, down: () => pg.crash(), up: () => pg.start() },
    );
    expectOutageContract(report);
    const stored = new Set((await ml.tracking.getMetricHistory(run.runId, 'loss')).map((m) => m.step));
    expect(report.acked.filter((i) => !stored.has(i))).toEqual([]);
  });

  it('registry writes: createModelVersion fails with UNAVAILABLE while down; every acknowledged version is readable after', async () => {
    const ml = await runtime();
    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 0, 0, 1], bias: [0, 0], activation: 'none' }] });
    await ml.registry.createRegisteredModel({ name: 'faulty' });
    const report = await throughOutage(async () => (await ml.registry.createModelVersion({ name: 'faulty', source: { bytes } })).version, {
      before: 5,
      outageMs: 1000,
      down: () => pg.crash(),
      up: () => pg.start(),
    });
    expectOutageContract(report);
    for (const version of report.acked) {
      const mv = await ml.registry.getModelVersion('faulty', version);
      expect(mv.version).toBe(version);
    }
  });

  it('buffered logging: flush fails with UNAVAILABLE while down; queued points are written by themselves once it is back', async () => {
    const ml = await runtime();
    const warnings: string[] = [];
    ml.events.on('warning', (w) => warnings.push(w.message));
    const exp = await ml.tracking.createExperiment({ name: 'buffered' });
    const run = await ml.tracking.startRun({ experimentId: exp.experimentId, buffered: { maxItems: 20, flushIntervalMs: 20 } });
    for (let i = 0; i < 50; i++) await run.logMetric('loss', i, { step: i });
    await run.flush();
    await pg.crash();
    for (let i = 50; i < 100; i++) await run.logMetric('loss', i, { step: i });
    const asked = Date.now();
    await expect(run.flush()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - asked).toBeLessThan(BOUNDED_MS);
    // A logger that keeps going meets back-pressure: past about 20 batches queued (400 points, plus
    // the batch being retried), logMetric rejects with UNAVAILABLE and queues nothing more.
    let queued = 100;
    let refused: unknown;
    while (refused === undefined && queued < 10_000) {
      await run.logMetric('loss', queued, { step: queued }).then(
        () => (queued += 1),
        (err: unknown) => (refused = err),
      );
    }
    expect(refused).toMatchObject({ code: 'UNAVAILABLE' });
    expect(queued).toBeLessThanOrEqual(500);
    await pg.start();
    const back = Date.now();
    // No flush() from here: the buffer's own timer writes the queued points.
    let steps = 0;
    while (steps < queued && Date.now() - back < 10_000) {
      steps = await ml.tracking
        .getMetricHistory(run.runId, 'loss')
        .then((h) => new Set(h.map((m) => m.step)).size)
        .catch(() => 0);
      if (steps < queued) await new Promise((r) => setTimeout(r, 20));
    }
    expect(steps).toBe(queued);
    expect(Date.now() - back).toBeLessThan(RESUME_MS);
    expect(warnings.some((w) => w.includes('could not be written yet'))).toBe(true);
    await run.end();
  });
});
