// Drift and data-quality monitoring with Evidently's statistics, exported to Prometheus.
// Run: npx tsx examples/monitoring.ts   (uses ./.mlops unless MLOPS_DIR is set)
import { Registry } from 'prom-client';
import { createMlops, stats } from '@trademaster/mlops';

function gaussian(n: number, mean: number, sd: number, seed: number): number[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd()));
}

// The host service's own prom-client registry: mlops_* metrics land next to its metrics.
const hostRegistry = new Registry();
const ml = await createMlops({ metrics: hostRegistry });
try {
  // Statistics on their own, as scipy computes them.
  console.log('ks', stats.ks2samp(gaussian(300, 0, 1, 1), gaussian(300, 0.3, 1, 2)));

  // A reference profile, e.g. the training data of a model version, stored with that version.
  const reference = { ret5m: gaussian(5000, 0, 1, 3), spread_bp: gaussian(5000, 2, 0.5, 4), side: Array.from({ length: 5000 }, (_, i) => (i % 2 ? 'buy' : 'sell')) };
  const profile = ml.monitoring.profile(reference);

  const monitor = ml.monitoring.monitor('ai-001-signal', { reference: profile, sampleSize: 5000 });
  ml.events.on('drift.detected', ({ model, report }) => console.log(`drift detected for ${model}: ${(report.share * 100).toFixed(0)}% of columns`));

  // Live traffic: inputs and outputs as rows (or as columns, which is faster).
  const live = gaussian(3000, 0.6, 1.4, 5).map((r, i) => ({ ret5m: r, spread_bp: 2 + (i % 7) / 10, side: i % 3 ? 'buy' : 'sell' }));
  monitor.observe(live, { prediction: live.map((x) => (x.ret5m > 0 ? 1 : 0)) });
  const report = monitor.driftReport();
  for (const [column, d] of Object.entries(report.columns)) {
    console.log(`${column.padEnd(10)} ${d.test.padEnd(14)} ${(d.pValue ?? d.statistic).toFixed(4)} drift=${d.drift}`);
  }
  console.log('data quality', monitor.dataQuality());
  console.log((await hostRegistry.metrics()).split('\n').filter((l) => l.startsWith('mlops_feature_drift_score') || l.startsWith('mlops_dataset_drift')).join('\n'));
} finally {
  await ml.close();
}
