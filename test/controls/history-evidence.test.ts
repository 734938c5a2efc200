import { describe, expect, it } from 'vitest';
import { type Mlops } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { createMlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/services.js';
import { AUTHOR, REVIEWER, RISK, RISK2, registerApproved, sumModel, runtimePerTest } from './fixture.js';

describe('what was live at time T', () => {
  it('aliasHistory lists each period with actor and reason; resolveAt answers the version at a past instant', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const ml = await createMlops({ dir: dir.path, env: {}, clock });
    try {
      await registerApproved(ml, 'sig', 3); // champion -> 1 at t0
      clock.advance(60_000);
      await ml.as(AUTHOR).registry.setAlias('sig', 'champion', 2);
      clock.advance(60_000);
      await ml.as(REVIEWER).registry.revoke('sig', 2, { reason: 'bad fills' }); // removes champion
      clock.advance(60_000);
      await ml.as(AUTHOR).registry.setAlias('sig', 'champion', 3);
      const t0 = Date.UTC(2026, 0, 1);
      const history = await ml.registry.aliasHistory('sig', 'champion');
      expect(history.map((p) => [p.version, p.from - t0, p.to === null ? null : p.to - t0, p.actor])).toEqual([
        [1, 0, 60_000, 'alice'],
        [2, 60_000, 120_000, 'alice'],
        [3, 180_000, null, 'alice'],
      ]);
      expect((await ml.registry.resolveAt('sig@champion', t0 + 30_000)).version).toBe(1);
      expect((await ml.registry.resolveAt('sig@champion', new Date(t0 + 90_000))).version).toBe(2);
      expect((await ml.registry.resolveAt('sig@champion', new Date(t0 + 200_000).toISOString())).version).toBe(3);
      // Between the revocation and the next set, nothing was live.
      await expect(ml.registry.resolveAt('sig@champion', t0 + 150_000)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ml.registry.resolveAt('sig/1', t0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.registry.resolveAt('sig@champion', 'yesterday')).rejects.toThrow(/Invalid timestamp/);
    } finally {
      await ml.close();
      await dir.remove();
    }
  });
});

describe.each(BACKENDS)('evidence pack and inventory on $name', (backend) => {
  let ml: Mlops;
  runtimePerTest(backend, async (opened) => {
    ml = opened;
  });

  it('gathers artifact, lineage, policy, transitions, alias and halt history, guards and the audit records with a chain check', async () => {
    const author = ml.as(AUTHOR);
    await author.registry.createRegisteredModel({ name: 'sig', description: 'FX signal' });
    await ml.registry.setPolicy('sig', { requires: [{ metric: 'test_auc', op: '>=', value: 0.8 }] });
    await ml.features.apply({ entities: [{ name: 'pair', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['pair'], ttl: '10m', schema: { a: 'float64', b: 'float64', c: 'float64' } }] });
    const exp = await author.tracking.getExperimentByName('Default');
    const run = await author.tracking.startRun({ experimentId: exp.experimentId, name: 'train-7' });
    await run.logParams({ lr: 0.01 });
    await run.logMetrics({ test_auc: 0.91 });
    await run.logInputs([{ dataset: { name: 'fx-2025', digest: 'abc123', sourceType: 'local', source: 'file:///data/fx.parquet' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
    await run.logArtifact('model.onnx', await sumModel());
    await run.end('FINISHED');
    await author.registry.createModelVersion({ name: 'sig', source: { runId: run.runId, path: 'model.onnx' }, columns: ['a', 'b'], guards: { Y: { min: -1, max: 1 } }, onViolation: 'clamp' });
    await author.registry.requestApproval('sig', 1, { reason: 'ready' });
    await ml.as(REVIEWER).registry.approve('sig', 1, { reason: 'metrics fine' });
    await author.registry.setAlias('sig', 'champion', 1);
    await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'drill' });
    await ml.as(RISK2).controls.resume({ model: 'sig' }, { reason: 'drill over' });

    const pack = await ml.as(RISK).controls.evidence('sig', 1);
    expect(pack.kind).toBe('mlops.evidence/v1');
    expect(pack.artifact).toMatchObject({ version: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), columns: { X: ['a', 'b'] } });
    expect(pack.lineage).toMatchObject({ runId: run.runId, params: { lr: '0.01' }, metrics: { test_auc: 0.91 }, datasets: [{ name: 'fx-2025', digest: 'abc123', context: 'training' }], featureViews: [{ view: 'px', version: 1, features: ['a', 'b'] }] });
    expect(pack.approval.policy).toMatchObject({ requires: [{ metric: 'test_auc', op: '>=', value: 0.8 }] });
    expect(pack.approval.transitions.map((t) => [t.to, t.actor, t.reason])).toEqual([
      ['pending_approval', 'alice', 'ready'],
      ['approved', 'bob', 'metrics fine'],
    ]);
    expect(pack.aliases.history.champion).toMatchObject([{ version: 1, to: null, actor: 'alice' }]);
    expect(pack.halts.map((h) => [h.action, h.actor, h.reason])).toEqual([
      ['halt', 'rita', 'drill'],
      ['resume', 'ravi', 'drill over'],
    ]);
    expect(pack.guards).toEqual({ guards: { Y: { min: -1, max: 1 } }, onViolation: 'clamp' });
    expect(pack.audit.chain).toMatchObject({ ok: true, headSeq: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const actions = pack.audit.records.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['model_version.create', 'model_version.request', 'model_version.approve', 'alias.set', 'controls.halt', 'controls.resume', 'registry.policy.set']));
    // Each record carries what an offline check needs.
    for (const r of pack.audit.records) expect(r).toMatchObject({ seq: expect.any(Number), prevHash: expect.any(String), hash: expect.any(String) });
    expect(pack.summary.join('\n')).toMatch(/approval: approved by bob/);
    // JSON round trip: one document.
    expect(JSON.parse(JSON.stringify(pack))).toEqual(pack);
    // Reading evidence needs read on the audit log: a data scientist may not.
    await expect(author.controls.evidence('sig', 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });

    const inventory = await ml.controls.inventory();
    expect(inventory).toEqual([
      { model: 'sig', version: 1, status: 'READY', approval: 'approved', aliases: ['champion'], owner: 'alice', lastApprovedBy: 'bob', lastApprovedAt: expect.any(Number), lastReviewAt: expect.any(Number), halted: false },
    ]);
  });
});
