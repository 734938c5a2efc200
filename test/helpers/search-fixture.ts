import type { Mlops } from '../../src/index.js';

/** A deterministic population of runs for search tests, the same on every backend. */
export interface FixtureRun {
  name: string;
  status: 'FINISHED' | 'FAILED' | 'RUNNING';
  startTime: number;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export function fixtureRuns(count = 40): FixtureRun[] {
  const models = ['xgb', 'MLP', 'mlp', 'lin_reg', 'x%y'];
  return Array.from({ length: count }, (_, i) => {
    const metrics: Record<string, number> = { loss: Math.round((1 / (i + 1)) * 1000) / 1000 };
    if (i % 5 !== 0) metrics.auc = Math.round(((i * 37) % 100) / 100 * 100) / 100;
    if (i % 7 === 0) metrics.sharpe = i % 2 ? -1.5 : 2.25;
    const params: Record<string, string> = { lr: i % 3 === 0 ? '0.01' : '0.1', model: models[i % models.length] as string };
    if (i % 4 === 0) params.depth = String(i % 9);
    const tags: Record<string, string> = { team: i % 2 ? 'alpha' : 'beta' };
    if (i % 6 === 0) tags.note = i % 12 === 0 ? 'promising_run' : 'Needs Review';
    return {
      name: `run-${String(i).padStart(2, '0')}`,
      status: i % 3 === 1 ? 'FAILED' : i % 3 === 2 ? 'RUNNING' : 'FINISHED',
      // Distinct start times: run ids are random per backend, so they must never decide an order.
      startTime: 1_700_000_000_000 + ((i * 17) % count) * 1000,
      metrics,
      params,
      tags,
    };
  });
}

export async function loadFixture(ml: Mlops, name: string, runs: FixtureRun[]): Promise<string> {
  const exp = await ml.tracking.createExperiment({ name });
  for (const r of runs) {
    const run = await ml.tracking.startRun({ experimentId: exp.experimentId, name: r.name, startTime: r.startTime, tags: r.tags });
    await run.logBatch({
      metrics: Object.entries(r.metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: 1 })),
      params: r.params,
    });
    if (r.status !== 'RUNNING') await run.end(r.status, { endTime: r.startTime + 500 });
  }
  return exp.experimentId;
}
