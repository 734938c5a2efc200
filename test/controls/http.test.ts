import { describe, expect, it } from 'vitest';
import { useServer } from '../server/http-client.js';
import { RISK, registerApproved } from './fixture.js';

describe('trading controls over HTTP', () => {
  const fixture = useServer({ auth: { apiKeys: { 'risk-key-0123456789': RISK, 'svc-key-0123456789ab': { id: 'svc', roles: ['service'] } } } }, async (ml) => {
    await registerApproved(ml, 'sig');
    await ml.serving.load('sig@champion');
  });
  const call = (method: string, path: string, body: unknown, key: string) => fixture.call(method, path, body, { authorization: `Bearer ${key}` });
  const infer = { inputs: [{ name: 'X', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] };

  it('OIP answers carry the version that answered; a halt answers 503 HALTED until resumed; the dashboard API halts and shows it', async () => {
    const ok = await call('POST', '/v2/models/sig/infer', infer, 'svc-key-0123456789ab');
    expect(ok.body).toMatchObject({ model_name: 'sig', model_version: '1', outputs: [{ name: 'Y', data: [3], parameters: { model_version: '1' } }] });
    expect((await call('POST', '/api/2.0/mlops/controls/halt', { model: 'sig', reason: 'x' }, 'svc-key-0123456789ab')).status).toBe(403);
    const halted = await call('POST', '/api/2.0/mlops/controls/halt', { model: 'sig', reason: 'desk limit breached' }, 'risk-key-0123456789');
    expect(halted).toMatchObject({ status: 200, body: { halt: { haltedBy: 'rita' } } });
    const refused = await call('POST', '/v2/models/sig/infer', infer, 'svc-key-0123456789ab');
    expect(refused).toMatchObject({ status: 503, body: { error: expect.stringContaining('desk limit breached') } });
    expect((await call('GET', '/api/2.0/mlops/controls/status', undefined, 'svc-key-0123456789ab')).body).toMatchObject({ anyHalted: true, halted: [{ target: { model: 'sig' } }] });
    expect((await call('GET', '/api/2.0/mlops/serving/models', undefined, 'svc-key-0123456789ab')).body.models[0]).toMatchObject({ name: 'sig', halted: true });
    // Four eyes over HTTP too.
    expect((await call('POST', '/api/2.0/mlops/controls/resume', { model: 'sig', reason: 'ok' }, 'risk-key-0123456789')).status).toBe(403);
    await fixture.ml.as({ id: 'ravi', roles: ['risk'] }).controls.resume({ model: 'sig' }, { reason: 'limit reset' });
    expect((await call('POST', '/v2/models/sig/infer', infer, 'svc-key-0123456789ab')).status).toBe(200);
  });
});
