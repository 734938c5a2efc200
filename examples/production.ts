// Production configuration: PostgreSQL for metadata, Redis for online features, S3 for artifacts;
// several processes (or machines) share them. Everything else is the same API as on a laptop.
// Run with your services, e.g.:
//   MLOPS_METADATA=postgres://mlops@db:5432/mlops?schema=mlops \
//   MLOPS_ONLINE='redis://cache:6379/0?prefix=mlops:' \
//   MLOPS_ARTIFACTS='s3://models/mlops?region=eu-west-1' \
//   npx tsx examples/production.ts
// S3 credentials come from the AWS SDK's usual chain (environment, profile, instance role).
import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/testing';

const missing = ['MLOPS_METADATA', 'MLOPS_ONLINE', 'MLOPS_ARTIFACTS'].filter((k) => !process.env[k]);
if (missing.length > 0) {
  console.error(`This example needs ${missing.join(', ')} (see the comment at the top of the file).`);
  process.exit(2);
}

// The stores come from MLOPS_* (createMlops reads them); this process acts as a training service.
const ml = await createMlops({ principal: { id: 'svc-trainer', roles: ['data-scientist'] } });
try {
  const { metadata, artifacts, online } = ml.stores;
  console.log(`stores: metadata=${metadata.dialect.name}, artifacts=${artifacts.constructor.name}, online=${online.constructor.name}`);

  // Tracking and the model artifact: rows in PostgreSQL, bytes in S3.
  const exp = await ml.tracking.getExperimentByName('production-example').catch(() => ml.tracking.createExperiment({ name: 'production-example' }));
  const bytes = await buildLogisticRegression([0.6, -0.2, 0.1], 0);
  const runId = await ml.tracking.withRun({ experimentId: exp.experimentId, name: 'nightly' }, async (run) => {
    await run.logParams({ window: 20 });
    await run.logMetric('auc', 0.81);
    await run.logArtifact('model.onnx', bytes);
    return run.runId;
  });
  const model = await ml.registry.getRegisteredModel('prod-signal').catch(() => ml.registry.createRegisteredModel({ name: 'prod-signal' }));
  const version = await ml.registry.createModelVersion({ name: model.name, source: { runId, path: 'model.onnx' } });
  await ml.registry.requestApproval(model.name, version.version, { reason: 'nightly retrain' });
  // Four eyes: a different principal approves, as a reviewer service or person would.
  await ml.as({ id: 'risk-officer', roles: ['reviewer'] }).registry.approve(model.name, version.version, { reason: 'backtest ok' });
  await ml.registry.setAlias(model.name, 'champion', version.version);
  console.log(`registered ${model.name}/${version.version} (sha256 ${version.sha256.slice(0, 12)}…), approved, champion`);

  // Online features: written to Redis, read back in one round trip.
  await ml.features.apply({
    entities: [{ name: 'instrument', joinKeys: ['symbol'] }],
    views: [{ name: 'prod_px', entities: ['instrument'], ttl: '10m', schema: { ret_1m: 'float64', vol_1h: 'float64', spread: 'float64' } }],
  });
  await ml.features.push('prod_px', [{ symbol: 'EURUSD', event_ts: Date.now(), ret_1m: 0.0004, vol_1h: 0.07, spread: 0.00008 }]);

  // Serving from the registry alias, input joined from the online store.
  const served = await ml.as({ id: 'svc-pricer', roles: ['service'] }).serving.load(`${model.name}@champion`, {
    features: { refs: ['prod_px:ret_1m', 'prod_px:vol_1h', 'prod_px:spread'] },
  });
  const out = await served.predict({ entities: [{ symbol: 'EURUSD' }] });
  console.log(`EURUSD signal from ${served.name}/${served.version}: ${(out.Y?.data[0] as number).toFixed(4)}`);

  const audit = await ml.as({ id: 'auditor', roles: ['reviewer'] }).audit.verify();
  console.log(`audit chain: ${audit.ok ? 'intact' : 'BROKEN'} (${audit.checked} records)`);
} finally {
  await ml.close();
}
