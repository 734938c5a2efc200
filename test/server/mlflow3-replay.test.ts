import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { S3_CREDENTIALS, TEST_BUCKET, startS3 } from '../helpers/s3-server.js';
import { PG_URL, dropSchema, tempDir, uniqueName } from '../helpers/services.js';
import { readResult, type HttpResult } from './http-client.js';

/**
 * The HTTP exchange MLflow 3's Python client performs (read from mlflow/tracking/fluent.py,
 * mlflow/models/model.py, mlflow/tracking/_model_registry/fluent.py, mlflow/store/tracking/rest_store.py
 * and mlflow/store/artifact/mlflow_artifacts_repo.py), replayed request by request for:
 *
 *   mlflow.set_tracking_uri(url); mlflow.set_experiment("ai-001")
 *   with mlflow.start_run():
 *       mlflow.log_param("lr", "0.01")
 *       mlflow.onnx.log_model(model, name="sig", registered_model_name="ai-001-signal")
 *   mlflow.register_model(f"runs:/{run_id}/sig", "ai-001-signal")
 *   MlflowClient().set_registered_model_alias("ai-001-signal", "champion", 2)
 *
 * Each response is checked for the fields the client reads next. Then the TypeScript side serves it.
 */

const API = '/api/2.0/mlflow';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';
// What `requests` sends from MLflow's RestStore (`http_request`): JSON bodies with their type, GETs with a query.
const CLIENT_HEADERS = { 'user-agent': 'mlflow-python-client/3.18.0', accept: '*/*', 'accept-encoding': 'gzip, deflate' };

function client(base: string) {
  const send = async (method: string, path: string, init: { json?: unknown; bytes?: Uint8Array; query?: Record<string, string | string[]> } = {}): Promise<HttpResult> => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(init.query ?? {})) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
    const url = `${base}${path}${qs.size > 0 ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { ...CLIENT_HEADERS };
    let body: string | Uint8Array | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.bytes !== undefined) {
      // MlflowArtifactsRepository.log_artifact: PUT with the open file as `data=`, no Content-Type.
      body = init.bytes;
    }
    return readResult(await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) }));
  };
  return send;
}

/** The folder mlflow.onnx.log_model writes: MLmodel (onnx + python_function flavors), the model, env files. */
function onnxModelFolder(modelId: string, onnx: Uint8Array, signatureInputs = '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "X"}]') {
  const mlmodel = `artifact_path: sig
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_version: 1.17.0
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.9
is_signature_from_type_hint: false
mlflow_version: 3.18.0
model_id: ${modelId}
model_size_bytes: ${onnx.byteLength}
model_uuid: 0f7d8d0b5a1e4e5c9f1a2b3c4d5e6f70
signature:
  inputs: '${signatureInputs}'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 1]}, "name": "Y"}]'
  params: null
utc_time_created: '2026-11-30 04:00:00.000000'
`;
  const text = (s: string) => new TextEncoder().encode(s);
  return {
    MLmodel: text(mlmodel),
    'model.onnx': onnx,
    'conda.yaml': text('channels:\n- conda-forge\ndependencies:\n- python=3.11.9\n- pip:\n  - mlflow==3.18.0\n  - onnx==1.17.0\nname: mlflow-env\n'),
    'python_env.yaml': text('python: 3.11.9\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n'),
    'requirements.txt': text('mlflow==3.18.0\nonnx==1.17.0\nonnxruntime==1.20.0\n'),
  };
}

interface Setup {
  name: string;
  skip: boolean;
  open(): Promise<{ ml: Mlops; close(): Promise<void> }>;
}

const SETUPS: Setup[] = [
  {
    name: 'SQLite, local artifacts',
    skip: false,
    async open() {
      const dir = await tempDir('mlops-replay-');
      const ml = await createMlops({ dir: dir.path, env: {} });
      return { ml, close: async () => (await ml.close(), await dir.remove()) };
    },
  },
  {
    name: '[postgres] [s3] PostgreSQL, S3 artifacts',
    skip: !PG_URL,
    async open() {
      const dir = await tempDir('mlops-replay-');
      const s3 = await startS3();
      const schema = uniqueName('replay');
      process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
      const ml = await createMlops({
        dir: dir.path,
        metadata: `${PG_URL}?schema=${schema}`,
        artifacts: `s3://${TEST_BUCKET}/${uniqueName('replay')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`,
        env: {},
      });
      return {
        ml,
        close: async () => {
          await ml.close();
          await dropSchema(schema);
          await s3.stop();
          await dir.remove();
        },
      };
    },
  },
  {
    name: '[postgres] PostgreSQL, local artifacts',
    skip: !PG_URL,
    async open() {
      const dir = await tempDir('mlops-replay-');
      const schema = uniqueName('replay');
      const ml = await createMlops({ dir: dir.path, metadata: `${PG_URL}?schema=${schema}`, env: {} });
      return { ml, close: async () => (await ml.close(), await dropSchema(schema), await dir.remove()) };
    },
  },
  {
    name: '[s3] SQLite, S3 artifacts',
    skip: false,
    async open() {
      const dir = await tempDir('mlops-replay-');
      const s3 = await startS3();
      process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
      const ml = await createMlops({ dir: dir.path, artifacts: `s3://${TEST_BUCKET}/${uniqueName('replay')}?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1`, env: {} });
      return { ml, close: async () => (await ml.close(), await s3.stop(), await dir.remove()) };
    },
  },
];

for (const setup of SETUPS) {
  describe.skipIf(setup.skip)(`MLflow 3 Python client, replayed: log_model → register → alias → serve (${setup.name})`, () => {
    let ml: Mlops;
    let server: MlopsServer;
    let close: () => Promise<void>;
    let call: ReturnType<typeof client>;
    beforeAll(async () => {
      ({ ml, close } = await setup.open());
      server = await createServer(ml, { port: 0, dashboard: false });
      call = client(server.url);
    });
    afterAll(async () => {
      await server?.close();
      await close?.();
    });

    it('logs, registers, aliases and serves the model exactly as the Python client drives it', async () => {
      const onnx = await buildLogisticRegression([0.5, -0.25, 1.5], 0.1);
      const name = 'ai-001-signal';

      // mlflow.set_experiment("ai-001"): get-by-name, then create when it does not exist.
      const missing = await call('GET', `${API}/experiments/get-by-name`, { query: { experiment_name: 'ai-001' } });
      expect(missing).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
      const exp = await call('POST', `${API}/experiments/create`, { json: { name: 'ai-001' } });
      expect(exp.status).toBe(200);
      const experimentId: string = exp.body.experiment_id;

      // mlflow.start_run()
      const created = await call('POST', `${API}/runs/create`, {
        json: {
          experiment_id: experimentId,
          user_id: 'quant',
          start_time: 1764475200000,
          tags: [
            { key: 'mlflow.user', value: 'quant' },
            { key: 'mlflow.source.name', value: 'train.py' },
            { key: 'mlflow.source.type', value: 'LOCAL' },
            { key: 'mlflow.runName', value: 'bright-owl-42' },
          ],
          run_name: 'bright-owl-42',
        },
      });
      expect(created.status).toBe(200);
      const runId: string = created.body.run.info.run_id;
      // The client picks its artifact repository from this URI: it must be the server's proxy.
      expect(created.body.run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
      expect((await call('POST', `${API}/runs/log-parameter`, { json: { run_id: runId, run_uuid: runId, key: 'lr', value: '0.01' } })).status).toBe(200);

      // mlflow.onnx.log_model(model, name="sig", registered_model_name=name)
      const run = await call('GET', `${API}/runs/get`, { query: { run_id: runId } });
      expect(run.body.run.data.params).toEqual([{ key: 'lr', value: '0.01' }]);
      const lm = await call('POST', `${API}/logged-models`, {
        json: {
          experiment_id: experimentId,
          name: 'sig',
          source_run_id: runId,
          model_type: null,
          params: [{ key: 'lr', value: '0.01' }],
          tags: [
            { key: 'mlflow.user', value: 'quant' },
            { key: 'mlflow.source.name', value: 'train.py' },
            { key: 'mlflow.source.type', value: 'LOCAL' },
          ],
        },
      });
      expect(lm.status).toBe(200);
      const modelId: string = lm.body.model.info.model_id;
      expect(modelId).toMatch(/^m-[0-9a-f]{32}$/);
      expect(lm.body.model.info).toMatchObject({ experiment_id: experimentId, name: 'sig', source_run_id: runId, status: 'LOGGED_MODEL_PENDING' });
      const modelUri: string = lm.body.model.info.artifact_uri;
      expect(modelUri).toBe(`mlflow-artifacts:/${experimentId}/models/${modelId}/artifacts`);
      expect(lm.body.model.data.params).toEqual([{ key: 'lr', value: '0.01' }]);

      // MlflowArtifactsRepository(modelUri).log_artifacts(local_dir): one PUT per file.
      const folder = onnxModelFolder(modelId, onnx);
      const proxyPath = modelUri.slice('mlflow-artifacts:/'.length);
      for (const [file, bytes] of Object.entries(folder)) {
        const put = await call('PUT', `${PROXY}/${proxyPath}/${file}`, { bytes });
        expect(put.status).toBe(200);
      }
      // The files are in the server's store (the client's disk never held them).
      const stored = await ml.stores.artifacts.head(`${proxyPath}/model.onnx`);
      expect(stored?.size).toBe(onnx.byteLength);
      const listed = await call('GET', `${API}/logged-models/${modelId}/artifacts/directories`);
      expect(listed.body.files.map((f: { path: string }) => f.path).sort()).toEqual(['MLmodel', 'conda.yaml', 'model.onnx', 'python_env.yaml', 'requirements.txt']);
      expect(listed.body.root_uri).toBe(modelUri);

      expect((await call('POST', `${API}/runs/outputs`, { json: { run_id: runId, models: [{ model_id: modelId, step: 0 }] } })).status).toBe(200);
      const ready = await call('PATCH', `${API}/logged-models/${modelId}`, { json: { model_id: modelId, status: 'LOGGED_MODEL_READY' } });
      expect(ready.body.model.info.status).toBe('LOGGED_MODEL_READY');

      // registered_model_name=: _register_model("models:/<model_id>", name)
      expect((await call('POST', `${API}/registered-models/create`, { json: { name } })).status).toBe(200);
      const v1 = await call('POST', `${API}/model-versions/create`, { json: { name, source: `models:/${modelId}`, model_id: modelId } });
      expect(v1.status).toBe(200);
      expect(v1.body.model_version).toMatchObject({ name, version: '1', source: `models:/${modelId}`, model_id: modelId, run_id: runId });
      // await_registration_for: polls until READY.
      const polled = await call('GET', `${API}/model-versions/get`, { query: { name, version: '1' } });
      expect(polled.body.model_version.status).toBe('READY');
      const again = await call('GET', `${API}/logged-models/${modelId}`);
      expect(again.body.model.info.tags).not.toContainEqual(expect.objectContaining({ key: 'mlflow.modelVersions' }));
      const tagV1 = JSON.stringify([{ name, version: '1' }]);
      expect((await call('PATCH', `${API}/logged-models/${modelId}/tags`, { json: { model_id: modelId, tags: [{ key: 'mlflow.modelVersions', value: tagV1 }] } })).status).toBe(200);

      // mlflow.end_run()
      const ended = await call('POST', `${API}/runs/update`, { json: { run_id: runId, run_uuid: runId, status: 'FINISHED', end_time: 1764475260000 } });
      expect(ended.body.run_info).toMatchObject({ status: 'FINISHED', artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts` });
      const withOutputs = await call('GET', `${API}/runs/get`, { query: { run_id: runId } });
      expect(withOutputs.body.run.outputs).toEqual({ model_outputs: [{ model_id: modelId, step: 0 }] });

      // mlflow.register_model(f"runs:/{run_id}/sig", name)
      const exists = await call('POST', `${API}/registered-models/create`, { json: { name } });
      expect(exists).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
      // RunsArtifactRepository: is `sig` a folder of the run? (No: MLflow 3 keeps models apart.)
      const runRoot: string = (await call('GET', `${API}/runs/get`, { query: { run_id: runId } })).body.run.info.artifact_uri;
      const dirList = await call('GET', PROXY, { query: { path: `${runRoot.slice('mlflow-artifacts:/'.length)}/sig` } });
      expect(dirList).toMatchObject({ status: 200, body: { files: [] } });
      // ...so it finds the logged model named `sig` from that run.
      const found = await call('POST', `${API}/logged-models/search`, { json: { experiment_ids: [experimentId] } });
      const match = found.body.models.filter((m: { info: { name: string; source_run_id: string } }) => m.info.name === 'sig' && m.info.source_run_id === runId);
      expect(match.map((m: { info: { model_id: string } }) => m.info.model_id)).toEqual([modelId]);
      const v2 = await call('POST', `${API}/model-versions/create`, { json: { name, source: `models:/${modelId}`, run_id: runId, model_id: modelId } });
      expect(v2.body.model_version).toMatchObject({ version: '2', status: 'READY', model_id: modelId });
      const tagged = await call('GET', `${API}/logged-models/${modelId}`);
      const history = JSON.parse(tagged.body.model.info.tags.find((t: { key: string }) => t.key === 'mlflow.modelVersions').value);
      await call('PATCH', `${API}/logged-models/${modelId}/tags`, { json: { model_id: modelId, tags: [{ key: 'mlflow.modelVersions', value: JSON.stringify([...history, { name, version: '2' }]) } ] } });

      // Governance between Python and TypeScript: a reviewer approves version 2 (four eyes).
      await ml.as({ id: 'quant', roles: ['data-scientist'] }).registry.requestApproval(name, 2);
      await ml.as({ id: 'risk', roles: ['reviewer'] }).registry.approve(name, 2);
      // MlflowClient().set_registered_model_alias(name, "champion", 2)
      expect((await call('POST', `${API}/registered-models/alias`, { json: { name, alias: 'champion', version: '2' } })).status).toBe(200);
      const byAlias = await call('GET', `${API}/registered-models/alias`, { query: { name, alias: 'champion' } });
      expect(byAlias.body.model_version).toMatchObject({ version: '2', aliases: ['champion'] });
      // mlflow.pyfunc.load_model("models:/ai-001-signal@champion") downloads the model's folder from here.
      const dl = await call('GET', `${API}/model-versions/get-download-uri`, { query: { name, version: '2' } });
      expect(dl.body.artifact_uri).toBe(modelUri);

      // The TypeScript side: serve the champion and predict as the ONNX model does in-process.
      const served = await ml.serving.load(`${name}@champion`, { name: 'champion-signal' });
      const direct = await ml.serving.load({ bytes: onnx }, { name: 'direct' });
      const rows = [[1, 2, 3], [0.5, -1, 0.25]];
      const got = await served.predict({ X: rows });
      const want = await direct.predict({ X: rows });
      expect(Array.from(got.Y!.data as Float32Array)).toEqual(Array.from(want.Y!.data as Float32Array));
      expect(served.version).toBe(2);
    });
  });
}

describe('MLflow model folders on registration', () => {
  let ml: Mlops;
  let server: MlopsServer;
  let remove: () => Promise<void>;
  let call: ReturnType<typeof client>;
  beforeAll(async () => {
    const dir = await tempDir('mlops-folders-');
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {} });
    server = await createServer(ml, { port: 0, dashboard: false });
    call = client(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await ml?.close();
    await remove?.();
  });

  it('refuses a folder whose MLmodel signature disagrees with the ONNX graph, naming the input', async () => {
    const run = await ml.tracking.startRun({});
    const onnx = await buildLogisticRegression([1, 2, 3], 0);
    const model = await ml.tracking.createLoggedModel({ sourceRunId: run.runId, name: 'bad-sig' });
    const folder = onnxModelFolder(model.modelId, onnx, '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}, "name": "features"}]');
    for (const [file, bytes] of Object.entries(folder)) await ml.tracking.logModelArtifact(model.modelId, file, bytes);
    await ml.registry.createRegisteredModel({ name: 'bad-sig' });
    const res = await call('POST', `${API}/model-versions/create`, { json: { name: 'bad-sig', source: `models:/${model.modelId}`, model_id: model.modelId } });
    expect(res).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('"features"') } });
    expect((await ml.registry.getRegisteredModel('bad-sig')).latestVersion).toBeNull();
  });

  it('registers a runs:/<id>/<folder> model folder by its MLmodel, and a non-ONNX folder as opaque that serving refuses', async () => {
    const run = await ml.tracking.startRun({});
    const onnx = await buildLogisticRegression([1, 2, 3], 0);
    for (const [file, bytes] of Object.entries(onnxModelFolder('m-00000000000000000000000000000000', onnx))) await ml.tracking.logArtifact(run.runId, `model/${file}`, bytes);
    await ml.registry.createRegisteredModel({ name: 'from-folder' });
    const v = await call('POST', `${API}/model-versions/create`, { json: { name: 'from-folder', source: `runs:/${run.runId}/model`, run_id: run.runId } });
    expect(v.body.model_version).toMatchObject({ version: '1', status: 'READY', source: `runs:/${run.runId}/model` });
    expect((await ml.registry.getModelVersion('from-folder', 1)).signature?.inputs[0]?.name).toBe('X');
    // Through the proxy URI too, as clients that resolved the run's artifact URI send it.
    const proxied = await call('POST', `${API}/model-versions/create`, { json: { name: 'from-folder', source: `mlflow-artifacts:/0/${run.runId}/artifacts/model`, run_id: run.runId } });
    expect(proxied.body.model_version).toMatchObject({ version: '2', status: 'READY' });

    const sk = await ml.tracking.logModel(run, {
      name: 'sk',
      files: { MLmodel: new TextEncoder().encode('flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\n'), 'model.pkl': new Uint8Array([128, 4]) },
    });
    expect(sk.status).toBe('LOGGED_MODEL_READY');
    const opaque = await ml.registry.createModelVersion({ name: 'from-folder', source: { modelId: sk.modelId } });
    expect(opaque).toMatchObject({ format: 'opaque', modelId: sk.modelId, signature: null });
    await ml.as({ id: 'a', roles: ['data-scientist'] }).registry.requestApproval('from-folder', opaque.version);
    await ml.as({ id: 'b', roles: ['reviewer'] }).registry.approve('from-folder', opaque.version);
    await expect(ml.serving.load(`from-folder/${opaque.version}`)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringMatching(/python_function, sklearn.*mlflow\.onnx\.log_model.*skl2onnx.*torch\.onnx\.export/),
    });
  });
});
