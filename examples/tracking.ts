// Experiment tracking with MLflow's semantics: experiments, runs, params, metrics, tags, artifacts,
// atomic batches, buffered logging and the search grammar (with OR, parentheses and IS NULL).
// Run: npx tsx examples/tracking.ts   (uses ./.mlops unless MLOPS_DIR is set)
import { createMlops, MlopsError } from '@trademaster/mlops';

const ml = await createMlops();
try {
  const exp = await ml.tracking
    .getExperimentByName('examples-tracking')
    .catch(() => ml.tracking.createExperiment({ name: 'examples-tracking', tags: { team: 'quant' } }));

  // A run as a block: FINISHED when the function returns, FAILED when it throws.
  const runId = await ml.tracking.withRun({ experimentId: exp.experimentId, name: 'momentum-v1', tags: { strategy: 'momentum' } }, async (run) => {
    await run.logParams({ lookback: 20, threshold: 0.5 });
    for (let step = 0; step < 5; step++) await run.logMetric('sharpe', 0.8 + step * 0.1, { step });
    // All or nothing, within MLflow's limits (1000 metrics, 100 params, 100 tags per batch).
    await run.logBatch({ metrics: [{ key: 'max_drawdown', value: -0.12 }], tags: { 'data.version': '2026-11' } });
    await run.logArtifact('reports/summary.json', Buffer.from(JSON.stringify({ note: 'backtest 2020-2026' })));
    return run.runId;
  });

  // Params are written once: the same value again is fine, a different one is refused.
  try {
    await ml.tracking.logParam(runId, 'lookback', 30);
  } catch (err) {
    if (err instanceof MlopsError) console.log(`refused as expected: ${err.code}: ${err.message}`);
  }

  // A training loop with buffered metrics: points are batched in memory and written in bulk.
  const loop = await ml.tracking.startRun({ experimentId: exp.experimentId, name: 'loop', buffered: { maxItems: 1000, flushIntervalMs: 500 } });
  for (let step = 0; step < 10_000; step++) await loop.logMetrics({ loss: 1 / (step + 1) }, { step });
  await loop.end(); // flushes what is still buffered

  const found = await ml.tracking.searchRuns({
    experimentIds: [exp.experimentId],
    filter: "(metrics.sharpe > 1 OR tags.strategy = 'momentum') AND params.lookback IS NOT NULL",
    orderBy: ['metrics.sharpe DESC'],
    maxResults: 10,
  });
  for (const run of found.runs) console.log(`${run.info.runName}: sharpe ${run.data.metrics.sharpe} lookback ${run.data.params.lookback}`);
  console.log(`loss history points: ${(await ml.tracking.getMetricHistory(loop.runId, 'loss')).length}`);
  console.log('artifacts:', await ml.tracking.listArtifacts(runId, 'reports'));
} finally {
  await ml.close();
}
