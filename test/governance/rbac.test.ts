import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { Authorizer, BUILT_IN_ROLES } from '../../src/governance/rbac.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { tempDir } from '../helpers/services.js';

const denied = { code: 'PERMISSION_DENIED' };

describe('RBAC', () => {
  let ml: Mlops;
  let remove: () => Promise<void>;
  let experimentId: string;
  let runId: string;
  beforeAll(async () => {
    const dir = await tempDir();
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {}, roles: { 'risk-officer': { registered_model: ['read', 'approve'], audit: ['read'] } } });
    experimentId = (await ml.tracking.createExperiment({ name: 'rbac' })).experimentId;
    runId = (await ml.tracking.startRun({ experimentId })).runId;
    await ml.registry.createRegisteredModel({ name: 'm' });
    await ml.registry.createModelVersion({ name: 'm', source: { bytes: await buildMlp({ inputSize: 2, layers: [{ weights: [1, 2], bias: [0] }] }) } });
    await ml.registry.requestApproval('m', 1);
  });
  afterAll(async () => {
    await ml.close();
    await remove();
  });

  it('lets the embedded default principal (local admin) do everything', async () => {
    expect(ml.principal).toEqual({ id: 'local', roles: ['admin'] });
    await ml.audit.verify();
  });

  it('denies a viewer every write, approval and the audit log, naming principal, action and resource', async () => {
    const v = ml.as({ id: 'vic', roles: ['viewer'] });
    await v.tracking.getExperiment(experimentId);
    await v.tracking.getRun(runId);
    await v.registry.getRegisteredModel('m');
    await expect(v.tracking.createExperiment({ name: 'x' })).rejects.toMatchObject({ ...denied, message: 'Principal "vic" (roles: viewer) may not write experiment "x"' });
    await expect(v.tracking.startRun({ experimentId })).rejects.toMatchObject(denied);
    await expect(v.tracking.logMetric(runId, 'm', 1)).rejects.toMatchObject({ ...denied, message: expect.stringContaining(`run "${runId}"`) });
    await expect(v.registry.createRegisteredModel({ name: 'y' })).rejects.toMatchObject(denied);
    await expect(v.registry.approve('m', 1)).rejects.toMatchObject({ ...denied, message: expect.stringContaining('may not approve registered_model "m"') });
    await expect(v.audit.verify()).rejects.toMatchObject(denied);
  });

  it('denies a data scientist approvals, deletions and the audit log', async () => {
    const d = ml.as({ id: 'dana', roles: ['data-scientist'] });
    await d.tracking.logMetric(runId, 'auc', 0.9);
    await expect(d.registry.approve('m', 1)).rejects.toMatchObject(denied);
    await expect(d.registry.revoke('m', 1, { reason: 'x' })).rejects.toMatchObject(denied);
    await expect(d.registry.deleteRegisteredModel('m')).rejects.toMatchObject(denied);
    await expect(d.audit.query()).rejects.toMatchObject(denied);
  });

  it('denies a reviewer building: experiments, runs and model versions', async () => {
    const r = ml.as({ id: 'rex', roles: ['reviewer'] });
    await r.audit.verify();
    await expect(r.tracking.createExperiment({ name: 'r' })).rejects.toMatchObject(denied);
    await expect(r.tracking.setTag(runId, 'k', 'v')).rejects.toMatchObject(denied);
    await expect(r.registry.createModelVersion({ name: 'm', source: { bytes: new Uint8Array([1]) } })).rejects.toMatchObject(denied);
    await expect(r.registry.setAlias('m', 'champion', 1)).rejects.toMatchObject(denied);
  });

  it('lets a service log runs but not define experiments, register models or approve', async () => {
    const s = ml.as({ id: 'svc-ai-001', roles: ['service'] });
    const run = await s.tracking.startRun({ experimentId });
    await run.logMetric('latency_ms', 0.2);
    await s.registry.resolve('m/1');
    await expect(s.tracking.createExperiment({ name: 's' })).rejects.toMatchObject(denied);
    await expect(s.registry.createRegisteredModel({ name: 's' })).rejects.toMatchObject(denied);
    await expect(s.registry.approve('m', 1)).rejects.toMatchObject(denied);
    await expect(s.audit.verify()).rejects.toMatchObject(denied);
  });

  it('grants custom roles from configuration, and nothing more', async () => {
    const risk = ml.as({ id: 'rita', roles: ['risk-officer'] });
    await risk.audit.verify();
    await risk.registry.getRegisteredModel('m');
    await expect(risk.tracking.getRun(runId)).rejects.toMatchObject(denied);
    const none = ml.as({ id: 'nobody', roles: [] });
    await expect(none.registry.getRegisteredModel('m')).rejects.toMatchObject({ ...denied, message: expect.stringContaining('roles: none') });
    const approved = await risk.registry.approve('m', 1, { reason: 'risk ok' });
    expect(approved.approval).toBe('approved');
  });

  it('refuses bad role configuration before opening anything', async () => {
    expect(() => new Authorizer({ admin: { audit: ['read'] } })).toThrow(/built-in roles cannot be redefined/);
    expect(() => new Authorizer({ x: { models: ['read'] } as never })).toThrow(/Invalid roles\.x\.models/);
    expect(() => new Authorizer({ x: { audit: ['fly'] } as never })).toThrow(/actions are/);
    await expect(createMlops({ dir: '/nonexistent/never', env: {}, roles: { 'bad role': {} } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(Object.keys(BUILT_IN_ROLES).sort()).toEqual(['admin', 'data-scientist', 'reviewer', 'risk', 'service', 'viewer']);
  });
});
