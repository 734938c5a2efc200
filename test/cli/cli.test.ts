import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { tempDir } from '../helpers/services.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** The bin built from src/cli.ts as `npm run build` builds it, inside the repo so node_modules resolve. */
const OUT = join(ROOT, '.tmp', `cli-test-${process.pid}`);
const BIN = join(OUT, 'cli.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the mlops command (built binary in a child process)', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let runId: string;
  let modelId: string;
  const env = { ...process.env, MLOPS_METADATA: '', MLOPS_ARTIFACTS: '', MLOPS_ONLINE: '' };
  const mlops = (...args: string[]): Result => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--dir', dir.path], { encoding: 'utf8', env, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await build({ entry: { cli: 'src/cli.ts' }, format: ['esm'], outDir: OUT, target: 'node20', dts: false, silent: true, shims: true, external: ['pg', 'ioredis', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'better-sqlite3', 'vitest'] });
    dir = await tempDir();
    const ml = await createMlops({ dir: dir.path, env: {} });
    const exp = await ml.tracking.createExperiment({ name: 'momentum' });
    for (const [i, auc] of [0.71, 0.84].entries()) {
      const run = await ml.tracking.startRun({ experimentId: exp.experimentId, name: `sweep-${i}` });
      await run.logParams({ lr: 0.01 * (i + 1) });
      await run.logMetric('auc', auc);
      if (i === 1) modelId = (await ml.tracking.logModel(run, { name: 'sig', onnx: await buildLogisticRegression([1, -1], 0) })).modelId;
      await run.end();
      runId = run.runId;
    }
    await ml.registry.createRegisteredModel({ name: 'fx-signal' });
    await ml.registry.createModelVersion({ name: 'fx-signal', source: { bytes: await buildLogisticRegression([1, -1], 0) } });
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: { vwap: 'float64' } }] });
    await ml.features.push('px', Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i}`, event_ts: 1_700_000_000_000 + i, vwap: i })), { to: 'offline' });
    await ml.close();
  }, 120_000);
  afterAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    await dir?.remove();
  });

  it('prints help for the tool and each command, and exits 2 on bad usage', () => {
    const help = mlops('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('models approve');
    expect(help.stdout).toContain('Exit codes');
    const runsHelp = mlops('runs', 'list', '--help');
    expect(runsHelp).toMatchObject({ code: 0, stdout: expect.stringContaining('--experiment') });
    expect(mlops('bogus')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command') });
    expect(mlops('models', 'fly')).toMatchObject({ code: 2, stderr: expect.stringContaining('models takes list, logged, versions') });
    expect(mlops('runs', 'list', '--experiment', 'momentum', '--max', 'ten')).toMatchObject({ code: 2, stderr: expect.stringContaining('--max must be a whole number') });
    expect(mlops('runs', 'list', '--nope')).toMatchObject({ code: 2, stderr: expect.stringContaining("'--nope'") });
  });

  it('lists experiments and runs as tables or JSON', () => {
    const exps = mlops('experiments', 'list');
    expect(exps.code).toBe(0);
    expect(exps.stdout).toMatch(/^ID\s+NAME\s+STAGE\s+CREATED/);
    expect(exps.stdout).toContain('momentum');
    const runs = mlops('runs', 'list', '--experiment', 'momentum', '--filter', 'metrics.auc > 0.8', '--json');
    expect(runs.code).toBe(0);
    const parsed = JSON.parse(runs.stdout) as { runs: Array<{ info: { runName: string }; data: { metrics: { auc: number } } }> };
    expect(parsed.runs.map((r) => [r.info.runName, r.data.metrics.auc])).toEqual([['sweep-1', 0.84]]);
    const show = mlops('runs', 'show', runId);
    expect(show.stdout).toContain('sweep-1');
    expect(show.stdout).toMatch(/lr\s+0\.02/);
    expect(show.stdout).toMatch(new RegExp(`Models logged by this run[\\s\\S]*${modelId}\\s+sig\\s+LOGGED_MODEL_READY`));
    const logged = mlops('models', 'logged', '--experiment', 'momentum');
    expect(logged).toMatchObject({ code: 0, stdout: expect.stringContaining(modelId) });
        const missing = mlops('runs', 'show', 'f'.repeat(32));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*not found/i);
  });

  it('walks a version through four-eyes approval to an alias', () => {
    const asAlice = ['--as', 'alice', '--roles', 'data-scientist,reviewer'];
    expect(mlops('models', 'request-approval', 'fx-signal', '1', ...asAlice)).toMatchObject({ code: 0, stdout: expect.stringContaining('pending_approval') });
    const self = mlops('models', 'approve', 'fx-signal', '1', ...asAlice);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('alice');
    expect(mlops('models', 'approve', 'fx-signal', '1', '--as', 'bob', '--roles', 'reviewer', '--reason', 'backtest ok')).toMatchObject({ code: 0, stdout: expect.stringContaining('approved') });
    expect(mlops('models', 'alias', 'fx-signal', 'champion', '1')).toMatchObject({ code: 0, stdout: 'fx-signal@champion -> version 1\n' });
    const versions = mlops('models', 'versions', 'fx-signal');
    expect(versions.stdout).toMatch(/fx-signal\s+1\s+approved\s+champion/);
    expect(mlops('models', 'list').stdout).toContain('champion=1');
    expect(mlops('models', 'reject', 'fx-signal', 'x')).toMatchObject({ code: 2 });
  });

  it('verifies the audit chain and exits 1 once a record is altered', () => {
    const ok = mlops('audit', 'verify');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('intact') });
    const db = new Database(join(dir.path, 'mlops.db'));
    db.prepare("UPDATE governance_audit SET actor = 'mallory' WHERE seq = (SELECT MIN(seq) FROM governance_audit WHERE action LIKE '%approve%')").run();
    db.close();
    const broken = mlops('audit', 'verify', '--json');
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, firstBrokenSeq: expect.any(Number) });
  });

  it('applies feature definitions and materializes with progress on stderr', () => {
    const defs = join(dir.path, 'features.json');
    writeFileSync(defs, JSON.stringify({ views: [{ name: 'px', entities: ['instrument'], ttl: '2h', schema: { vwap: 'float64' } }] }));
    expect(mlops('features', 'apply', defs)).toMatchObject({ code: 0, stdout: expect.stringContaining('view:px') });
    const m = mlops('features', 'materialize', '--start', '1699999999000', '--end', '1700000001000');
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/px\s+50/);
    expect(m.stderr).toContain('materialize px: 50 rows written');
    expect(mlops('features', 'materialize')).toMatchObject({ code: 2, stderr: expect.stringContaining('--start') });
    writeFileSync(defs, '{ not json');
    expect(mlops('features', 'apply', defs)).toMatchObject({ code: 1, stderr: expect.stringContaining('not JSON') });
  });

  it('reports drift between two CSV files, failing on drift when asked', () => {
    const ref = join(dir.path, 'ref.csv');
    const cur = join(dir.path, 'cur.csv');
    const col = (shift: number) => Array.from({ length: 400 }, (_, i) => `${((i * 7919) % 400) / 100 + shift},${i % 2 === 0 ? 'buy' : 'sell'}`);
    writeFileSync(ref, ['ret,side', ...col(0)].join('\n'));
    writeFileSync(cur, ['ret,side', ...col(1.5)].join('\n'));
    const same = mlops('drift', 'report', '--reference', ref, '--current', ref, '--fail-on-drift');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Dataset drift: no');
    const shifted = mlops('drift', 'report', '--reference', ref, '--current', cur, '--fail-on-drift');
    expect(shifted.code).toBe(1);
    expect(shifted.stdout).toMatch(/ret\s+ks\s+.*DRIFT/);
    // A missing file is NOT_FOUND whether it would have been CSV or JSON, naming the flag and the path.
    for (const missing of [join(dir.path, 'gone.csv'), join(dir.path, 'gone.json')]) {
      const r = mlops('drift', 'report', '--reference', ref, '--current', missing, '--json');
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stderr.trim().split('\n').pop()!)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining(`--current ${JSON.stringify(missing)}`) } });
    }
    const ragged = join(dir.path, 'ragged.csv');
    writeFileSync(ragged, 'ret,side\n1,buy\n2\n');
    expect(mlops('drift', 'report', '--reference', ragged, '--current', ref).stderr).toContain(`Invalid --reference ${JSON.stringify(ragged)} line 3: 1 cells, the header has 2`);
  });

  it('runs the server until SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'server', '--port', '0', '--json', '--dir', dir.path], { env });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const exps = (await (await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=momentum`)).json()) as { experiment: { name: string } };
    expect(exps.experiment.name).toBe('momentum');
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
