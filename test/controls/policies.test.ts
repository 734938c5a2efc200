import { describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { AUTHOR, REVIEWER, sumModel, runtimePerTest } from './fixture.js';

const REVIEWER2 = { id: 'carol', roles: ['reviewer'] };

/** A run with the given metrics and files, and a version registered from it, awaiting approval. */
async function candidate(ml: Mlops, metrics: Record<string, number>, files: Record<string, string>): Promise<number> {
  const author = ml.as(AUTHOR);
  const exp = await author.tracking.getExperimentByName('Default');
  const run = await author.tracking.startRun({ experimentId: exp.experimentId });
  await run.logMetrics(metrics);
  await run.logArtifact('model.onnx', await sumModel());
  for (const [path, text] of Object.entries(files)) await run.logArtifact(path, new TextEncoder().encode(text));
  await run.end('FINISHED');
  const v = await author.registry.createModelVersion({ name: 'sig', source: { runId: run.runId, path: 'model.onnx' } });
  await author.registry.requestApproval('sig', v.version);
  return v.version;
}

describe.each(BACKENDS)('approval policies on $name', (backend) => {
  let ml: Mlops;
  runtimePerTest(backend, async (opened) => {
    ml = opened;
    await ml.as(AUTHOR).registry.createRegisteredModel({ name: 'sig' });
  });

  it('approve refuses with FAILED_PRECONDITION naming each unmet requirement', async () => {
    await ml.registry.setPolicy('sig', { requires: [{ metric: 'test_auc', op: '>=', value: 0.8 }, { artifact: 'backtest/report.json' }, { metric: 'max_dd', op: '<', value: 0.2 }] });
    const v = await candidate(ml, { test_auc: 0.75, max_dd: 0.1 }, {});
    const err = await ml.as(REVIEWER).registry.approve('sig', v).catch((e: unknown) => e as { code: string; message: string; details: { unmet: string[] } });
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect((err as { details: { unmet: string[] } }).details.unmet).toEqual(['metric test_auc >= 0.8: it is 0.75', 'artifact backtest/report.json: the run has no such file']);
    expect((await ml.registry.getModelVersion('sig', v)).approval).toBe('pending_approval');
  });

  it('N distinct approvers: the first approval is recorded and held, the same approver twice is refused, the second completes it; the policy is recorded with each', async () => {
    await ml.registry.setPolicy('sig', { requires: [{ metric: 'test_auc', op: '>=', value: 0.8 }, { artifact: 'backtest/report.json' }, { approvers: 2 }] });
    const policy = (await ml.registry.getPolicy('sig')) as { digest: string };
    const v = await candidate(ml, { test_auc: 0.85 }, { 'backtest/report.json': '{"sharpe":1.4}' });
    expect((await ml.as(REVIEWER).registry.approve('sig', v, { reason: 'backtest ok' })).approval).toBe('pending_approval');
    await expect(ml.as(REVIEWER).registry.approve('sig', v)).rejects.toThrow(/already approved it; the policy needs 2 distinct approvers/);
    expect((await ml.as(REVIEWER2).registry.approve('sig', v, { reason: 'risk ok' })).approval).toBe('approved');
    const records = await ml.audit.query({ resource: 'sig' });
    const vote = records.find((r) => r.action === 'model_version.approve_vote');
    const approve = records.find((r) => r.action === 'model_version.approve');
    expect(vote).toMatchObject({ actor: 'bob', details: { approvals: 1, needed: 2, policy: { digest: policy.digest } } });
    expect(approve).toMatchObject({ actor: 'carol', details: { policy: { digest: policy.digest } } });
    expect((await ml.registry.getApprovalHistory('sig', v)).map((h) => [h.from, h.to, h.actor])).toEqual([
      ['draft', 'pending_approval', 'alice'],
      ['pending_approval', 'pending_approval', 'bob'],
      ['pending_approval', 'approved', 'carol'],
    ]);
  });

  it('a drift check compares evaluation data in the run with the reference profile stored for the version', async () => {
    await ml.registry.setPolicy('sig', { requires: [{ drift: { data: 'eval/current.json' } }] });
    const same = Array.from({ length: 300 }, (_, i) => ({ x: i % 100 }));
    const shifted = Array.from({ length: 300 }, (_, i) => ({ x: 1000 + (i % 100) }));
    const bad = await candidate(ml, {}, { 'eval/current.json': JSON.stringify(shifted) });
    await expect(ml.as(REVIEWER).registry.approve('sig', bad)).rejects.toThrow(/no reference profile is stored/);
    await ml.monitoring.saveReference('sig', bad, ml.monitoring.profile(same));
    await expect(ml.as(REVIEWER).registry.approve('sig', bad)).rejects.toThrow(/drift of eval\/current\.json: 100% of columns drifted/);
    const good = await candidate(ml, {}, { 'eval/current.json': JSON.stringify(same) });
    await ml.monitoring.saveReference('sig', good, ml.monitoring.profile(same));
    expect((await ml.as(REVIEWER).registry.approve('sig', good)).approval).toBe('approved');
  });

  it('setPolicy needs admin, is audited, and refuses unknown operators, metrics and requirements naming the field, writing nothing', async () => {
    await expect(ml.as(REVIEWER).registry.setPolicy('sig', { requires: [] })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    const before = (await ml.audit.verify()).checked;
    await expect(ml.registry.setPolicy('sig', { requires: [{ metric: 'auc', op: '=>', value: 1 }] })).rejects.toThrow(/Invalid requires\[0\]\.op: "=>" is not an operator/);
    await expect(ml.registry.setPolicy('sig', { requires: [{ metric: 'a\u0000uc', op: '>', value: 1 }] })).rejects.toThrow(/Invalid requires\[0\]\.metric/);
    await expect(ml.registry.setPolicy('sig', { requires: [{ metric: 'auc', op: '>', value: 'high' }] })).rejects.toThrow(/requires\[0\]\.value/);
    await expect(ml.registry.setPolicy('sig', { requires: [{ approvers: 2 }, { sign: 'off' }] })).rejects.toThrow(/Invalid requires\[1\]: unknown requirement/);
    await expect(ml.registry.setPolicy('sig', { requires: [{ metric: 'auc', op: '>', value: 1, weight: 2 }] })).rejects.toThrow(/requires\[0\]\.weight/);
    await expect(ml.registry.setPolicy('nope', { requires: [] })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect((await ml.audit.verify()).checked).toBe(before);
    expect(await ml.registry.getPolicy('sig')).toBeNull();
    await ml.registry.setPolicy('sig', { requires: [{ approvers: 2 }] });
    const [record] = await ml.audit.query({ action: 'registry.policy.set' });
    expect(record).toMatchObject({ actor: 'local', details: { policy: { requires: [{ approvers: 2 }] } } });
  });
});
