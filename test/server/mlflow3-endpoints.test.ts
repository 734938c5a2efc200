import { describe, expect, it } from 'vitest';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { useServer } from './http-client.js';

const API = '/api/2.0/mlflow';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/** The MLflow 3 endpoints (and MLflow 2 behaviours) that real clients rely on, beyond the replay. */
describe('MLflow REST: logged models, artifact proxy, registry details', () => {
  const fixture = useServer({ dashboard: false });
  const { call } = fixture;

  it('logged models: search with filter and order, params write-once, tags set and deleted, soft delete', async () => {
    const ml = fixture.ml;
    const run = await ml.tracking.startRun({});
    const a = (await call('POST', `${API}/logged-models`, { experiment_id: '0', name: 'alpha', source_run_id: run.runId, params: [{ key: 'depth', value: '3' }], tags: [{ key: 'team', value: 'fx' }] })).body.model.info;
    const b = (await call('POST', `${API}/logged-models`, { experiment_id: '0', name: 'beta', model_type: 'classifier' })).body.model.info;
    expect(b.name).toBe('beta');
    const byName = await call('POST', `${API}/logged-models/search`, { experiment_ids: ['0'], filter: "name = 'alpha'" });
    expect(byName.body.models.map((m: { info: { model_id: string } }) => m.info.model_id)).toEqual([a.model_id]);
    const byParam = await call('POST', `${API}/logged-models/search`, { experiment_ids: ['0'], filter: "params.depth = '3' AND tags.team = 'fx'" });
    expect(byParam.body.models).toHaveLength(1);
    const ordered = await call('POST', `${API}/logged-models/search`, { experiment_ids: ['0'], order_by: [{ field_name: 'name', ascending: false }], max_results: 1 });
    expect(ordered.body.models.map((m: { info: { name: string } }) => m.info.name)).toEqual(['beta']);
    expect(ordered.body.next_page_token).toEqual(expect.any(String));
    const page2 = await call('POST', `${API}/logged-models/search`, { experiment_ids: ['0'], order_by: [{ field_name: 'name', ascending: false }], max_results: 1, page_token: ordered.body.next_page_token });
    expect(page2.body.models.map((m: { info: { name: string } }) => m.info.name)).toEqual(['alpha']);

    expect((await call('POST', `${API}/logged-models/${a.model_id}/params`, { model_id: a.model_id, params: [{ key: 'lr', value: '0.1' }] })).status).toBe(200);
    const changed = await call('POST', `${API}/logged-models/${a.model_id}/params`, { model_id: a.model_id, params: [{ key: 'lr', value: '0.2' }] });
    expect(changed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await call('DELETE', `${API}/logged-models/${a.model_id}/tags/team`)).status).toBe(200);
    const got = await call('GET', `${API}/logged-models/${a.model_id}`);
    expect(got.body.model.data.params).toEqual(expect.arrayContaining([{ key: 'depth', value: '3' }, { key: 'lr', value: '0.1' }]));
    expect(got.body.model.info.tags.map((t: { key: string }) => t.key)).not.toContain('team');

    const failed = await call('PATCH', `${API}/logged-models/${b.model_id}`, { model_id: b.model_id, status: 'LOGGED_MODEL_UPLOAD_FAILED' });
    expect(failed.body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    expect((await call('DELETE', `${API}/logged-models/${b.model_id}`)).status).toBe(200);
    expect(await call('GET', `${API}/logged-models/${b.model_id}`)).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await call('GET', `${API}/logged-models/not-an-id`)).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('artifact proxy: run and model folders, listing relative names, DELETE of a file and of a folder', async () => {
    const ml = fixture.ml;
    const run = await ml.tracking.startRun({});
    const base = `${PROXY}/0/${run.runId}/artifacts`;
    for (const p of ['plots/a.png', 'plots/b.png', 'notes.txt']) expect((await call('PUT', `${base}/${p}`, 'x', { 'content-type': 'application/octet-stream' })).status).toBe(200);
    const listed = await call('GET', `${PROXY}?path=${encodeURIComponent(`0/${run.runId}/artifacts/plots`)}`);
    expect(listed.body.files.map((f: { path: string }) => f.path)).toEqual(['a.png', 'b.png']);
    expect((await call('DELETE', `${base}/notes.txt`)).status).toBe(200);
    expect((await call('DELETE', `${base}/plots`)).status).toBe(200);
    expect(await ml.tracking.listArtifacts(run.runId)).toEqual([]);

    const model = await ml.tracking.logModel(run, { name: 'lr', onnx: await buildLogisticRegression([1, 2], 0) });
    const root = `${PROXY}/0/models/${model.modelId}/artifacts`;
    const mlmodel = await call('GET', `${root}/MLmodel`);
    expect(mlmodel.body).toContain('loader_module: mlflow.onnx');
    expect((await call('GET', `${PROXY}?path=${encodeURIComponent(`0/models/${model.modelId}/artifacts`)}`)).body.files.map((f: { path: string }) => f.path)).toEqual(['MLmodel', 'model.onnx']);
    const runJson = await call('GET', `${API}/runs/get?run_id=${run.runId}`);
    expect(runJson.body.run.outputs.model_outputs).toEqual([{ model_id: model.modelId, step: 0 }]);
    // A run that used the model (MLflow 3's log-inputs with models).
    const consumer = await ml.tracking.startRun({});
    expect((await call('POST', `${API}/runs/log-inputs`, { run_id: consumer.runId, models: [{ model_id: model.modelId }] })).status).toBe(200);
    expect((await call('GET', `${API}/runs/get?run_id=${consumer.runId}`)).body.run.inputs.model_inputs).toEqual([{ model_id: model.modelId }]);
    // The multipart routes are not served: clients fall back to single PUTs (documented limit).
    expect((await call('POST', '/api/2.0/mlflow-artifacts/mpu/create/0/x', {})).status).toBe(404);
  });

  it('registry: update without description keeps it, latest_versions on rename/update, order_by on MLflow names, latest versions, stages', async () => {
    const ml = fixture.ml;
    await call('POST', `${API}/registered-models/create`, { name: 'keep', description: 'the signal' });
    const v1 = await ml.registry.createModelVersion({ name: 'keep', source: { bytes: await buildLogisticRegression([1], 0) }, description: 'first' });
    await ml.registry.createModelVersion({ name: 'keep', source: { bytes: await buildLogisticRegression([2], 0) } });
    const updated = await call('PATCH', `${API}/registered-models/update`, { name: 'keep' });
    expect(updated.body.registered_model).toMatchObject({ description: 'the signal', latest_versions: [{ version: '2' }] });
    expect((await call('PATCH', `${API}/model-versions/update`, { name: 'keep', version: String(v1.version) })).body.model_version.description).toBe('first');
    const renamed = await call('POST', `${API}/registered-models/rename`, { name: 'keep', new_name: 'kept' });
    expect(renamed.body.registered_model).toMatchObject({ name: 'kept', latest_versions: [{ version: '2' }] });

    const byVersion = await call('GET', `${API}/model-versions/search?filter=${encodeURIComponent("name = 'kept'")}&order_by=${encodeURIComponent('version_number ASC')}`);
    expect(byVersion.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);
    const byUpdate = await call('GET', `${API}/model-versions/search?filter=${encodeURIComponent("name = 'kept'")}&order_by=${encodeURIComponent('last_updated_timestamp DESC')}`);
    expect(byUpdate.status).toBe(200);
    const models = await call('GET', `${API}/registered-models/search?order_by=${encodeURIComponent('creation_timestamp DESC')}`);
    expect(models.status).toBe(200);

    const latest = await call('POST', `${API}/registered-models/get-latest-versions`, { name: 'kept' });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
    expect((await call('POST', `${API}/registered-models/get-latest-versions`, { name: 'kept', stages: ['Production'] })).body.model_versions).toEqual([]);
    const staged = await call('POST', `${API}/model-versions/transition-stage`, { name: 'kept', version: '1', stage: 'Production', archive_existing_versions: false });
    expect(staged).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('alias') } });
  });

  it('answers 405 with Allow for a wrong method on a known path, ENDPOINT_NOT_FOUND for unserved routes', async () => {
    const wrong = await call('GET', `${API}/runs/create`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const param = await call('PUT', `${API}/logged-models/m-0123456789abcdef0123456789abcdef`, {});
    expect(param.status).toBe(405);
    expect(param.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH');
    expect(await call('POST', `${API}/traces`, {})).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    expect(await call('GET', '/api/2.0/mlflow/gateway/routes')).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });

  it('metrics/get-history-bulk-interval samples steps evenly per run, first and last kept', async () => {
    const ml = fixture.ml;
    const [r1, r2] = [await ml.tracking.startRun({}), await ml.tracking.startRun({})];
    await r1.logBatch({ metrics: Array.from({ length: 100 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1000 + i })) });
    await r2.logBatch({ metrics: Array.from({ length: 3 }, (_, i) => ({ key: 'loss', value: i, step: i * 10, timestamp: 2000 + i })) });
    const res = await call('GET', `${API}/metrics/get-history-bulk-interval?run_ids=${r1.runId}&run_ids=${r2.runId}&metric_key=loss&max_results=5`);
    expect(res.status).toBe(200);
    const steps1 = res.body.metrics.filter((m: { run_id: string }) => m.run_id === r1.runId).map((m: { step: number }) => m.step);
    expect(steps1).toEqual([0, 25, 50, 74, 99]);
    expect(res.body.metrics.filter((m: { run_id: string }) => m.run_id === r2.runId).map((m: { step: number }) => m.step)).toEqual([0, 10, 20]);
    const ranged = await call('GET', `${API}/metrics/get-history-bulk-interval?run_ids=${r1.runId}&metric_key=loss&start_step=10&end_step=12`);
    expect(ranged.body.metrics.map((m: { step: number }) => m.step)).toEqual([10, 11, 12]);
    expect(res.body.metrics[0]).toEqual({ key: 'loss', value: 1, timestamp: 1000, step: 0, run_id: r1.runId });
  });
});
