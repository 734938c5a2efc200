// The HTTP server: MLflow clients log runs, Open Inference Protocol clients call models, Prometheus
// scrapes /metrics, all against the same in-process runtime, with API keys mapped to principals.
// Run: npx tsx examples/server.ts   (uses ./.mlops unless MLOPS_DIR is set)
// The MLflow client here is the npm package `mlflow` (npm i mlflow); Python's mlflow works the same
// way with MLFLOW_TRACKING_URI pointing at the server and MLFLOW_TRACKING_TOKEN set to a key.
import mlflowPackage from 'mlflow';
import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/testing';
import { createServer } from '@trademaster/mlops/server';

/* eslint-disable @typescript-eslint/no-explicit-any */
const MLflow = mlflowPackage as unknown as new (o: { endpoint: string; headers?: Record<string, string> }) => { Experiments: any; Runs: any; Metrics: any };
const SERVICE_KEY = 'svc-key-please-rotate-0001';

const ml = await createMlops();
const server = await createServer(ml, {
  port: 0, // any free port; 5000 is MLflow's default
  // failures: wrong keys allowed per client address (default 10 at once, then 1 a second), then 429.
  auth: { apiKeys: { [SERVICE_KEY]: { id: 'svc-trainer', roles: ['data-scientist'] } }, failures: { perSecond: 1, burst: 5 } },
  rateLimit: { perSecond: 500, burst: 1000 },
});
console.log(`server on ${server.url}`);
const original = console.log;
try {
  // 1. An MLflow client logs a run (the npm client prints each request body; keep the example quiet).
  console.log = () => undefined;
  const client = new MLflow({ endpoint: server.url, headers: { Authorization: `Bearer ${SERVICE_KEY}` } });
  const name = `examples-server-${Date.now()}`;
  const { experiment_id } = await client.Experiments.create({ name });
  const { run } = await client.Runs.create({ experiment_id, start_time: Date.now(), tags: [{ key: 'mlflow.runName', value: 'http-run' }] });
  for (let step = 0; step < 3; step++) await client.Runs.logMetric({ run_id: run.info.run_id, key: 'auc', value: 0.7 + step * 0.05, timestamp: Date.now(), step });
  await client.Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.01' });
  const found = await client.Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.auc > 0.75' });
  console.log = original;
  console.log(`MLflow client: run ${run.info.run_id} logged; search found ${found.runs.length} run(s); in process the run has auc=${(await ml.tracking.getRun(run.info.run_id)).data.metrics.auc}`);

  // 2. The Python hand-off (examples/mlflow-python.md): `mlflow.onnx.log_model(..., registered_model_name=)`
  //    in a notebook creates a logged model, uploads its folder through this server's artifact proxy
  //    (artifact URIs are mlflow-artifacts:/…) and registers it. Here the same steps from TypeScript:
  //    ml.tracking.logModel does what log_model does; the version is created over REST as Python does.
  const trainer = await ml.tracking.startRun({ experimentId: experiment_id, name: 'handoff' });
  const logged = await ml.tracking.logModel(trainer, { name: 'sig', onnx: await buildLogisticRegression([0.8, -0.5], 0.1), params: { lr: '0.01' } });
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${SERVICE_KEY}` };
  await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'ai-001-signal' }) });
  const created = await fetch(`${server.url}/api/2.0/mlflow/model-versions/create`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'ai-001-signal', source: `models:/${logged.modelId}`, model_id: logged.modelId }),
  });
  const { model_version } = (await created.json()) as { model_version: { version: string; model_id: string } };
  console.log(`logged model ${logged.modelId} (${logged.status}) registered as ai-001-signal/${model_version.version}`);
  // Four eyes before an alias: a data scientist asks, a reviewer approves, then `champion` serves.
  await ml.as({ id: 'svc-trainer', roles: ['data-scientist'] }).registry.requestApproval('ai-001-signal', Number(model_version.version));
  await ml.as({ id: 'risk-reviewer', roles: ['reviewer'] }).registry.approve('ai-001-signal', Number(model_version.version));
  await ml.registry.setAlias('ai-001-signal', 'champion', Number(model_version.version));
  const champion = await ml.serving.load('ai-001-signal@champion');
  console.log(`serving ai-001-signal@champion v${champion.version}: Y=${Array.from((await champion.predict({ X: [[1, 0]] })).Y!.data as Float32Array)[0]?.toFixed(4)}`);

  // 3. An OIP (KServe V2) client calls a served model over HTTP; requests share the dynamic batcher.
  await ml.serving.load({ bytes: await buildLogisticRegression([0.8, -0.5], 0.1), name: 'signal' }, { deterministic: true });
  const infer = await fetch(`${server.url}/v2/models/signal/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': SERVICE_KEY },
    body: JSON.stringify({ id: 'tick-1', inputs: [{ name: 'X', shape: [2, 2], datatype: 'FP32', data: [[1, 0], [0, 1]] }] }),
  });
  console.log('OIP infer:', JSON.stringify(await infer.json()));

  // 4. No key, no answer; /health stays open for probes.
  console.log(`without a key: ${(await fetch(`${server.url}/api/2.0/mlflow/experiments/search`)).status}; /health: ${(await fetch(`${server.url}/health`)).status}`);

  // 5. The web dashboard (runs, registry approvals, features, serving, drift, audit) is at / once built.
  const ui = await fetch(`${server.url}/`);
  console.log(ui.ok ? `dashboard: open ${server.url}/ and sign in with an API key` : 'dashboard: not built here (npm run build puts it in dist/ui)');

  // 6. Prometheus scrapes /metrics.
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { 'x-api-key': SERVICE_KEY } })).text();
  console.log(metrics.split('\n').filter((l) => l.startsWith('mlops_predictions_total') || l.startsWith('mlops_http_requests_total')).slice(0, 4).join('\n'));

  // 6. Guessing keys is throttled per client address: a few 401s, then 429 with Retry-After.
  const guesses: number[] = [];
  for (let i = 0; i < 8; i++) guesses.push((await fetch(`${server.url}/api/2.0/mlflow/experiments/search`, { headers: { 'x-api-key': `guess-${i}-0000000000000000` } })).status);
  console.log(`wrong keys: ${guesses.join(' ')}`);
} finally {
  console.log = original;
  await server.close();
  await ml.close();
}
