import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { createServer } from '../../src/server.js';
import { httpClient, useServer } from './http-client.js';

const API = '/api/2.0/mlflow';

/** Request/response pairs shaped as MLflow's REST reference (model_registry.proto, service.proto). */
describe('MLflow REST API: registry, artifacts and request/response shapes', () => {
  const fixture = useServer();
  const { call } = fixture;
  // Getters: the runtime and server exist once beforeAll has run.
  const ctx = {
    get ml() {
      return fixture.ml;
    },
    get server() {
      return fixture.server;
    },
  };

  it('experiments: create with tags, get-by-name, search with a filter (GET and POST)', async () => {
    const created = await call('POST', `${API}/experiments/create`, { name: 'reg-exp', tags: [{ key: 'team', value: 'rates' }] });
    expect(created).toMatchObject({ status: 200, body: { experiment_id: expect.any(String) } });
    const byName = await call('GET', `${API}/experiments/get-by-name?experiment_name=reg-exp`);
    expect(byName.body.experiment).toEqual({
      experiment_id: created.body.experiment_id,
      name: 'reg-exp',
      artifact_location: expect.any(String),
      lifecycle_stage: 'active',
      last_update_time: expect.any(Number),
      creation_time: expect.any(Number),
      tags: [{ key: 'team', value: 'rates' }],
    });
    const post = await call('POST', `${API}/experiments/search`, { filter: "tags.team = 'rates'", max_results: 10 });
    expect(post.body.experiments.map((e: { name: string }) => e.name)).toEqual(['reg-exp']);
    const get = await call('GET', `${API}/experiments/search?filter=${encodeURIComponent("name LIKE 'reg-%'")}&max_results=10`);
    expect(get.body.experiments).toHaveLength(1);
    await call('POST', `${API}/experiments/set-experiment-tag`, { experiment_id: created.body.experiment_id, key: 'owner', value: 'ana' });
    expect((await ctx.ml.tracking.getExperiment(created.body.experiment_id)).tags).toEqual({ team: 'rates', owner: 'ana' });
  });

  it('registered models and versions from a run artifact, aliases, search, download URI', async () => {
    const run = await ctx.ml.tracking.startRun({ name: 'train' });
    await ctx.ml.tracking.logArtifact(run.runId, 'model.onnx', await buildLogisticRegression([0.5, -0.25], 0.1));
    expect((await call('POST', `${API}/registered-models/create`, { name: 'fx-signal', description: 'EURUSD', tags: [{ key: 'desk', value: 'fx' }] })).body.registered_model).toMatchObject({
      name: 'fx-signal',
      description: 'EURUSD',
      tags: [{ key: 'desk', value: 'fx' }],
      latest_versions: [],
      aliases: [],
    });
    const v1 = await call('POST', `${API}/model-versions/create`, { name: 'fx-signal', source: `runs:/${run.runId}/model.onnx`, run_id: run.runId });
    expect(v1.body.model_version).toMatchObject({ name: 'fx-signal', version: '1', status: 'READY', run_id: run.runId, current_stage: 'None', approval: 'draft' });
    // MLflow clients usually send the run's artifact URI plus the path.
    const v2 = await call('POST', `${API}/model-versions/create`, { name: 'fx-signal', source: `${run.info.artifactUri}/model.onnx`, run_id: run.runId });
    expect(v2.body.model_version).toMatchObject({ version: '2', source: `runs:/${run.runId}/model.onnx` });

    const unapproved = await call('POST', `${API}/registered-models/alias`, { name: 'fx-signal', alias: 'champion', version: '1' });
    expect(unapproved).toMatchObject({ status: 400, body: { error_code: 'INVALID_STATE', message: expect.stringContaining('approved') } });
    await ctx.ml.as({ id: 'ds', roles: ['data-scientist'] }).registry.requestApproval('fx-signal', 1);
    await ctx.ml.as({ id: 'rev', roles: ['reviewer'] }).registry.approve('fx-signal', 1);
    expect((await call('POST', `${API}/registered-models/alias`, { name: 'fx-signal', alias: 'champion', version: '1' })).status).toBe(200);
    const byAlias = await call('GET', `${API}/registered-models/alias?name=fx-signal&alias=champion`);
    expect(byAlias.body.model_version).toMatchObject({ version: '1', aliases: ['champion'] });
    const model = await call('GET', `${API}/registered-models/get?name=fx-signal`);
    expect(model.body.registered_model).toMatchObject({ aliases: [{ alias: 'champion', version: '1' }], latest_versions: [{ version: '2' }] });
    const search = await call('GET', `${API}/model-versions/search?filter=${encodeURIComponent("name = 'fx-signal'")}`);
    expect(search.body.model_versions.map((v: { version: string }) => v.version).sort()).toEqual(['1', '2']);
    const uri = await call('GET', `${API}/model-versions/get-download-uri?name=fx-signal&version=1`);
    expect(uri.body.artifact_uri).toMatch(/model\.onnx$/);
    expect((await call('PATCH', `${API}/model-versions/update`, { name: 'fx-signal', version: '2', description: 'wider window' })).body.model_version.description).toBe('wider window');
    // DELETE with a JSON body, as MLflow's Python client sends it.
    expect((await call('DELETE', `${API}/registered-models/alias`, { name: 'fx-signal', alias: 'champion' })).status).toBe(200);
    expect((await ctx.ml.registry.getRegisteredModel('fx-signal')).aliases).toEqual({});
  });

  it('four-eyes approval through /api/2.0/mlops: the requester cannot approve', async () => {
    await ctx.ml.registry.createRegisteredModel({ name: 'four-eyes' });
    const v = await ctx.ml.registry.createModelVersion({ name: 'four-eyes', source: { bytes: await buildLogisticRegression([1], 0) } });
    const alice = await createServer(ctx.ml.as({ id: 'alice', roles: ['data-scientist', 'reviewer'] }), { port: 0 });
    const bob = await createServer(ctx.ml.as({ id: 'bob', roles: ['reviewer'] }), { port: 0 });
    try {
      const asAlice = httpClient(alice.url);
      const asBob = httpClient(bob.url);
      expect((await asAlice('POST', '/api/2.0/mlops/model-versions/request-approval', { name: 'four-eyes', version: v.version })).body.model_version.approval).toBe('pending_approval');
      const self = await asAlice('POST', '/api/2.0/mlops/model-versions/approve', { name: 'four-eyes', version: v.version });
      expect(self.status).toBe(403);
      expect(self.body.error_code).toBe('PERMISSION_DENIED');
      expect((await asBob('POST', '/api/2.0/mlops/model-versions/approve', { name: 'four-eyes', version: v.version, reason: 'backtest ok' })).body.model_version.approval).toBe('approved');
      const history = await asBob('GET', `/api/2.0/mlops/model-versions/approval-history?name=four-eyes&version=${v.version}`);
      expect(history.body.events.map((e: { actor: string; to: string }) => `${e.actor}:${e.to}`)).toEqual(['alice:pending_approval', 'bob:approved']);
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('uploads, lists and downloads artifacts through mlflow-artifacts', async () => {
    const run = await ctx.ml.tracking.startRun({ name: 'upload' });
    const base = `/api/2.0/mlflow-artifacts/artifacts/${run.info.experimentId}/${run.runId}/artifacts`;
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    const put = await fetch(`${ctx.server.url}${base}/plots/equity.bin`, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    // A JSON file is stored as bytes, not parsed.
    const json = await fetch(`${ctx.server.url}${base}/config.json`, { method: 'PUT', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(200);
    const listed = await call('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${run.info.experimentId}/${run.runId}/artifacts/plots`)}`);
    expect(listed.body.files).toEqual([{ path: 'equity.bin', is_dir: false, file_size: 300_000 }]);
    const got = new Uint8Array(await (await fetch(`${ctx.server.url}${base}/plots/equity.bin`)).arrayBuffer());
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    expect(new TextDecoder().decode(await ctx.ml.tracking.downloadArtifact(run.runId, 'config.json'))).toBe('{"a":1}');
    const bad = await call('GET', '/api/2.0/mlflow-artifacts/artifacts/nope/file.txt');
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('refuses to list an artifact folder that is a symbolic link out of the artifact root', async () => {
    const run = await ctx.ml.tracking.startRun({ name: 'linked' });
    await ctx.ml.tracking.logArtifact(run.runId, 'kept.txt', new TextEncoder().encode('kept'));
    const outside = await mkdtemp(join(tmpdir(), 'mlops-outside-'));
    try {
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await symlink(outside, join(fileURLToPath(run.info.artifactUri), 'link'));
      const proxied = await call('GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${run.info.experimentId}/${run.runId}/artifacts/link`)}`);
      expect(proxied).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
      expect(JSON.stringify(proxied.body)).not.toContain('secret.txt');
      const listed = await call('GET', `${API}/artifacts/list?run_id=${run.runId}&path=link`);
      expect(listed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
      expect(JSON.stringify(listed.body)).not.toContain('secret.txt');
      // The run's own artifacts still list, without the link.
      const top = await call('GET', `${API}/artifacts/list?run_id=${run.runId}`);
      expect(top.body.files).toEqual([{ path: 'kept.txt', is_dir: false, file_size: 4 }]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('refuses bad input with the field named and leaves nothing behind', async () => {
    const missing = await call('POST', `${API}/experiments/create`, {});
    expect(missing).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") } });
    const badTags = await call('POST', `${API}/experiments/create`, { name: 'tagless', tags: 'x' });
    expect(badTags.body.message).toContain('tags');
    await expect(ctx.ml.tracking.getExperimentByName('tagless')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const badStatus = await call('POST', `${API}/runs/update`, { run_id: 'a'.repeat(32), status: 'DONE' });
    expect(badStatus.body.message).toContain('DONE');
    const badBatch = await call('POST', `${API}/runs/log-batch`, { run_id: (await ctx.ml.tracking.startRun({})).runId, metrics: [{ key: 'ok', value: 1 }, { key: 'bad', value: 'high' }] });
    expect(badBatch.status).toBe(400);
    const malformed = await call('POST', `${API}/experiments/create`, '{"name": ', { 'content-type': 'application/json' });
    expect(malformed).toMatchObject({ status: 400, body: { error_code: 'MALFORMED_REQUEST' } });
    const unknown = await call('GET', `${API}/no-such-endpoint`);
    expect(unknown).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    const badSource = await call('POST', `${API}/model-versions/create`, { name: 'x', source: 's3://elsewhere/model.onnx' });
    expect(badSource.body.message).toContain('source');
  });
});
