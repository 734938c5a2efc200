import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { progress, type Output } from '../../src/cli/output.js';
import { finished, spawnTs } from '../helpers/child.js';
import { tempDir } from '../helpers/services.js';

// The CLI from its sources (tsx), in a child process, as a terminal user meets it.
describe('mlops usage, paging and progress', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const mlops = async (...args: string[]) => finished(spawnTs('src/cli.ts', [...args, '--dir', dir.path], { MLOPS_METADATA: '', MLOPS_ARTIFACTS: '', MLOPS_ONLINE: '' }));

  beforeAll(async () => {
    dir = await tempDir('mlops-cli-usage-');
    const ml = await createMlops({ dir: dir.path, env: {} });
    const exp = await ml.tracking.createExperiment({ name: 'paging' });
    for (let i = 0; i < 3; i++) await (await ml.tracking.startRun({ experimentId: exp.experimentId, name: `r${i}` })).end();
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], ttl: '1h', schema: { vwap: 'float64' } }] });
    await ml.features.push('px', Array.from({ length: 50 }, (_, i) => ({ symbol: `S${i}`, event_ts: 1_700_000_000_000 + i, vwap: i })), { to: 'offline' });
    await ml.close();
  }, 60_000);
  afterAll(async () => {
    await dir?.remove();
  });

  it('mlops models --help lists the group; a group without a command is a usage error (2)', async () => {
    const help = await mlops('models', '--help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('models versions');
    expect(help.stdout).toContain('models approve');
    expect((await mlops('models')).code).toBe(2);
  }, 60_000);

  it('runs list without --experiment exits 2, as documented for usage errors', async () => {
    const r = await mlops('runs', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing --experiment');
    expect(r.stderr).toContain('Usage: mlops runs list');
  }, 60_000);

  it('models versions of a model that does not exist exits 1 with NOT_FOUND', async () => {
    const r = await mlops('models', 'versions', 'no-such-model', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr.trim().split('\n').pop() ?? '{}')).toMatchObject({ error: { code: 'NOT_FOUND' } });
  }, 60_000);

  it('runs list says when more runs match and takes --page-token for the next page', async () => {
    const first = await mlops('runs', 'list', '--experiment', 'paging', '--max', '2');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(3);
    const token = /--page-token (\S+)/.exec(first.stderr)?.[1];
    expect(token, first.stderr).toBeDefined();
    const second = await mlops('runs', 'list', '--experiment', 'paging', '--max', '2', '--page-token', token as string);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim().split('\n')).toHaveLength(2);
    expect(second.stderr).not.toContain('--page-token');
  }, 60_000);

  it('materialize shows a total and a share, and warns that the default online store is in memory', async () => {
    const r = await mlops('features', 'materialize', '--start', '0', '--end', String(1_800_000_000_000));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('online store is in memory');
    expect(r.stderr).toMatch(/materialize px: 50 of 50 rows \(100%\)/);
  }, 60_000);

  it('progress extrapolates an ETA from the rate so far', () => {
    const lines: string[] = [];
    const o: Output = { json: false, interactive: false, out: () => undefined, err: (t) => lines.push(t) };
    let now = 1_000_000;
    const bar = progress(o, 'materialize px', () => now);
    now += 10_000;
    bar.update(25_000, 100_000);
    now += 10_000;
    bar.update(50_000, 100_000);
    expect(lines).toEqual(['materialize px: 25,000 of 100,000 rows (25%, ETA 30s)', 'materialize px: 50,000 of 100,000 rows (50%, ETA 20s)']);
  });
});
