import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
// The npm package `mlflow`, an MLflow REST client written by someone else: it is the judge of compatibility.
import mlflowPackage from 'mlflow';

// index.js exports the class itself (module.exports = …default) and its typings mark optional fields
// as required, so the test talks to it untyped, as a JavaScript caller would.
/* eslint-disable @typescript-eslint/no-explicit-any */
type MLflowClient = { Experiments: any; Runs: any; Metrics: any; Artifacts: any };
const MLflow = mlflowPackage as unknown as new (options: { endpoint: string; headers?: Record<string, string> }) => MLflowClient;
import { createMlops, type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { tempDir } from '../helpers/services.js';

describe('MLflow REST API driven by the npm mlflow client', () => {
  let ml: Mlops;
  let server: MlopsServer;
  let remove: () => Promise<void>;
  let client: MLflowClient;
  beforeAll(async () => {
    // The client prints every request body it sends.
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const dir = await tempDir();
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {} });
    server = await createServer(ml, { port: 0 });
    client = new MLflow({ endpoint: server.url });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server.close();
    await ml.close();
    await remove();
  });

  it('creates an experiment and a run, logs metrics and params, searches and reads history', async () => {
    const { Experiments, Runs, Metrics } = client;
    const { experiment_id } = await Experiments.create({ name: 'momentum' });
    expect(experiment_id).toMatch(/^\d+$/);
    const got = await Experiments.get({ experiment_id });
    expect(got.experiment).toMatchObject({ experiment_id, name: 'momentum', lifecycle_stage: 'active' });
    const listed = await Experiments.list();
    expect(listed.experiments.map((e: { name: string }) => e.name)).toContain('momentum');

    const { run } = await Runs.create({ experiment_id, start_time: 1_700_000_000_000, tags: [{ key: 'mlflow.runName', value: 'lr-sweep-1' }] });
    const runId: string = run.info.run_id;
    expect(run.info).toMatchObject({ experiment_id, run_name: 'lr-sweep-1', status: 'RUNNING', start_time: 1_700_000_000_000, lifecycle_stage: 'active' });
    for (let step = 0; step < 5; step++) await Runs.logMetric({ run_id: runId, key: 'auc', value: 0.5 + step / 10, timestamp: 1_700_000_000_000 + step, step });
    await Runs.logParameter({ run_id: runId, key: 'lr', value: '0.01' });
    await Runs.setTag({ run_id: runId, key: 'desk', value: 'fx' });
    await Runs.logBatch({ run_id: runId, metrics: [{ key: 'loss', value: 0.3, timestamp: 1_700_000_000_100, step: 4 }], params: [{ key: 'window', value: '20' }], tags: [] });
    await Runs.update({ run_id: runId, status: 'FINISHED', end_time: 1_700_000_001_000 });

    const { runs } = await Runs.search({ experiment_ids: [experiment_id], filter: "metrics.auc > 0.8 and params.lr = '0.01'" });
    expect(runs).toHaveLength(1);
    expect(runs[0].info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: 1_700_000_001_000 });
    expect(runs[0].data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'auc', value: 0.9, timestamp: 1_700_000_000_004, step: 4 },
        { key: 'loss', value: 0.3, timestamp: 1_700_000_000_100, step: 4 },
      ]),
    );
    expect(runs[0].data.params).toEqual(expect.arrayContaining([{ key: 'lr', value: '0.01' }, { key: 'window', value: '20' }]));
    expect(runs[0].data.tags).toEqual(expect.arrayContaining([{ key: 'desk', value: 'fx' }]));
    const none = await Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.auc > 0.95' });
    expect(none.runs ?? []).toHaveLength(0);

    const history = await Metrics.getHistory({ run_id: runId, metric_key: 'auc' });
    expect(history.metrics.map((m: { step: number; value: number }) => [m.step, m.value])).toEqual([[0, 0.5], [1, 0.6], [2, 0.7], [3, 0.8], [4, 0.9]]);

    // What the client wrote is what the library reads in process.
    const inProcess = await ml.tracking.getRun(runId);
    expect(inProcess.data).toMatchObject({ params: { lr: '0.01', window: '20' }, metrics: { auc: 0.9, loss: 0.3 } });

    await Runs.delete({ run_id: runId });
    expect((await Runs.get({ run_id: runId })).run.info.lifecycle_stage).toBe('deleted');
    await Runs.restore({ run_id: runId });
    await Experiments.update({ experiment_id, new_name: 'momentum-v2' });
    expect((await Experiments.get({ experiment_id })).experiment.name).toBe('momentum-v2');
  });

  it('lists artifacts a run logged', async () => {
    const { runId } = await ml.tracking.startRun({ name: 'with-artifacts' });
    await ml.tracking.logArtifact(runId, 'model/model.onnx', await buildLogisticRegression([1, 2], 0));
    await ml.tracking.logArtifact(runId, 'notes.txt', new TextEncoder().encode('hello'));
    const top = await client.Artifacts.list({ run_id: runId });
    expect(top.files).toEqual(expect.arrayContaining([{ path: 'model', is_dir: true }, { path: 'notes.txt', is_dir: false, file_size: 5 }]));
    // Advertised through the server's artifact proxy, never as a path on the server's disk.
    const run = await ml.tracking.getRun(runId);
    expect(top.root_uri).toBe(`mlflow-artifacts:/${run.info.experimentId}/${runId}/artifacts`);
  });

  it('answers errors with MLflow error codes the client surfaces', async () => {
    const fail = async (p: Promise<unknown>) => JSON.parse((await p.then(() => expect.fail('expected an error'), (e: Error) => e.message)).replace(/^Error: /, '')) as { status: number; data: { error_code: string; message: string } };
    const missing = await fail(client.Runs.get({ run_id: 'f'.repeat(32) }));
    expect(missing).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    await client.Experiments.create({ name: 'dup' });
    const dup = await fail(client.Experiments.create({ name: 'dup' }));
    expect(dup).toMatchObject({ status: 400, data: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    expect(dup.data.message).toContain('dup');
    const bad = await fail(client.Runs.logMetric({ run_id: 'not-a-run', key: 'auc', value: 1, timestamp: 1, step: 0 }));
    expect(bad).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(bad.data.message).toContain('not-a-run');
  });
});
