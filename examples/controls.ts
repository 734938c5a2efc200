// Trading controls: an approval policy, output guards, the kill switch, "what was live at time T"
// and the evidence pack of a version.
// Run: npx tsx examples/controls.ts   (uses ./.mlops unless MLOPS_DIR is set)
import type { MlopsError } from '@trademaster/mlops';
import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/testing';

const ml = await createMlops();
const quant = ml.as({ id: 'alice', roles: ['data-scientist'] });
const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
const risk = ml.as({ id: 'rita', roles: ['risk'] });
const risk2 = ml.as({ id: 'ravi', roles: ['risk'] });
try {
  const name = `controls-signal-${Date.now()}`;
  await quant.registry.createRegisteredModel({ name, description: 'EURUSD direction' });

  // Policy as code (admin only, audited): thresholds on the source run and a backtest report.
  await ml.registry.setPolicy(name, { requires: [{ metric: 'test_auc', op: '>=', value: 0.8 }, { artifact: 'backtest/report.json' }] });

  const exp = await quant.tracking.getExperimentByName('Default');
  const run = await quant.tracking.startRun({ experimentId: exp.experimentId, name: 'train' });
  await run.logMetrics({ test_auc: 0.86 });
  await run.logArtifact('model.onnx', await buildLogisticRegression([0.8, -0.3], 0.05));
  await run.end('FINISHED');
  // Guards stored with the version: every service that loads it clamps the signal to [0.05, 0.95].
  const v = await quant.registry.createModelVersion({ name, source: { runId: run.runId, path: 'model.onnx' }, guards: { Y: { min: 0.05, max: 0.95, finite: true } }, onViolation: 'clamp' });
  await quant.registry.requestApproval(name, v.version);
  // The run has no backtest report: the approval names the unmet requirement.
  await reviewer.registry.approve(name, v.version).catch((err: MlopsError) => console.log(`refused: ${err.code}: ${err.message}`));
  const r2 = await quant.tracking.resumeRun(run.runId);
  await r2.logArtifact('backtest/report.json', new TextEncoder().encode('{"sharpe":1.4}'));
  await r2.end('FINISHED');
  await reviewer.registry.approve(name, v.version, { reason: 'policy met' });
  await quant.registry.setAlias(name, 'champion', v.version);

  // Serving: a fixed "no signal" answer while halted instead of an error.
  const model = await ml.serving.load(`${name}@champion`, { whenHalted: { outputs: { Y: [0.5] } } });
  console.log('signal:', (await model.predict([[4, -4]])).Y?.data[0], '(clamped to 0.95 by the stored guard)');

  // The kill switch: every process sharing the metadata store stops within a second.
  await risk.controls.halt({ model: name }, { reason: 'runaway fills on EURUSD' });
  console.log('while halted:', (await model.predict([[4, -4]])).Y?.data[0], '(the whenHalted answer)');
  console.log('status:', ml.controls.status().halted.map((h) => `${h.haltedBy}: ${h.reason}`));
  // Four eyes: the halter cannot resume; another risk officer can.
  await risk.controls.resume({ model: name }, { reason: 'ok' }).catch((err: MlopsError) => console.log(`refused: ${err.code}`));
  await risk2.controls.resume({ model: name }, { reason: 'limits reset, fills reconciled' });

  // What was live at time T, from the hash-chained audit log.
  const live = await ml.registry.resolveAt(`${name}@champion`, Date.now());
  console.log(`${name}@champion now: v${live.version}; history:`, await ml.registry.aliasHistory(name, 'champion'));

  // The evidence pack: one JSON document (mlops models evidence <name> <version> --format md).
  const pack = await risk.controls.evidence(name, v.version);
  console.log(pack.summary.join('\n'));
  console.log('inventory:', (await ml.controls.inventory()).find((row) => row.model === name));
} finally {
  await ml.close();
}
