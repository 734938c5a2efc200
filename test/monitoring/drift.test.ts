import { beforeAll, describe, expect, it } from 'vitest';
import { driftReport, type DriftReport, type Mlops } from '../../src/index.js';
import { defaultTest } from '../../src/monitoring/index.js';
import { categories, normal } from '../helpers/drift-data.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

describe("Evidently's default test per column", () => {
  it.each([
    [1000, 'num', 6, 'ks'],
    [1000, 'num', 5, 'chisquare'],
    [1000, 'num', 2, 'z'],
    [1000, 'cat', 3, 'chisquare'],
    [1000, 'cat', 2, 'z'],
    [1001, 'num', 6, 'wasserstein'],
    [1001, 'num', 5, 'jensenshannon'],
    [1001, 'cat', 50, 'jensenshannon'],
  ] as const)('reference of %i rows, %s column with %i values -> %s', (rows, kind, distinct, test) => {
    expect(defaultTest(rows, kind, distinct)).toBe(test);
  });

  it('uses the selected test, its threshold and direction, and column overrides', () => {
    const small = driftReport({ x: normal(1, 500), c: categories(2, 500, [0.5, 0.3, 0.2]) }, { x: normal(3, 400, 0.6), c: categories(13, 400, [0.5, 0.3, 0.2]) });
    expect(small.columns.x).toMatchObject({ test: 'ks', threshold: 0.05, drift: true });
    expect(small.columns.x?.pValue).toBeLessThan(0.05);
    expect(small.columns.c).toMatchObject({ test: 'chisquare', drift: false });
    expect(small).toMatchObject({ share: 0.5, datasetDrift: true });
    const big = driftReport({ x: normal(5, 3000) }, { x: normal(6, 3000, 0.05) });
    expect(big.columns.x).toMatchObject({ test: 'wasserstein', threshold: 0.1, drift: false });
    expect(big.columns.x?.pValue).toBeUndefined();
    const overridden = driftReport({ x: normal(5, 3000) }, { x: normal(6, 3000, 0.05) }, { columns: { x: { test: 'psi', threshold: 0.001 } }, driftShare: 1 });
    expect(overridden.columns.x).toMatchObject({ test: 'psi', threshold: 0.001, drift: true });
    expect(() => driftReport({ x: [1] }, { y: [1] })).toThrow(/reference has no column y/);
    expect(() => driftReport({ x: [1, 2] }, { x: [1, 2] }, { columns: { x: { test: 'magic' as never } } })).toThrow(/Invalid columns\.x\.test/);
  });
});

describe('live monitoring', () => {
  const runtime = useEmbeddedRuntime();
  let ml: Mlops;
  beforeAll(() => {
    ml = runtime.ml;
  });

  const reference = { ret5m: normal(10, 5000), vol_z: normal(11, 5000), side: categories(12, 5000, [0.5, 0.5]) };

  it('finds no drift on the reference distribution and drift on shifted data, and exports it', async () => {
    const mon = ml.monitoring.monitor('sig', { reference, sampleSize: 2000 });
    mon.observe({ ret5m: normal(20, 3000), vol_z: normal(21, 3000), side: categories(22, 3000, [0.5, 0.5]) });
    const calm = mon.report({ reset: true });
    expect(calm.datasetDrift).toBe(false);
    expect(Object.keys(calm.columns).sort()).toEqual(['ret5m', 'side', 'vol_z']);
    const detected: DriftReport[] = [];
    ml.events.on('drift.detected', (e) => detected.push(e.report));
    const rows = normal(30, 3000, 0.8).map((r, i) => ({ ret5m: r, vol_z: normal(31, 3000, 1.5, 2)[i], side: i % 3 === 0 ? 'sell' : 'buy' }));
    mon.observe(rows, { prediction: rows.map(() => 0.5) });
    const shifted = mon.driftReport();
    expect(shifted.datasetDrift).toBe(true);
    expect(shifted.columns.ret5m).toMatchObject({ test: 'wasserstein', drift: true });
    expect(detected).toHaveLength(1);
    const text = await ml.metrics.text();
    expect(text).toMatch(/mlops_feature_drift_score\{model="sig",feature="ret5m"\} [0-9.]+/);
    expect(text).toContain('mlops_dataset_drift{model="sig"} 1');
  });

  it('counts data-quality issues: nulls, non-finite numbers, out-of-range values, unseen categories', async () => {
    const mon = ml.monitoring.monitor('quality', { reference });
    mon.observe([
      { ret5m: null, vol_z: Number.NaN, side: 'hold' },
      { ret5m: 1e9, vol_z: 0.1, side: 'c0' },
      { ret5m: 0, vol_z: Infinity, side: undefined },
    ]);
    expect(mon.dataQuality()).toMatchObject({
      ret5m: { rows: 3, nulls: 1, outOfRange: 1 },
      vol_z: { rows: 3, nonFinite: 2 },
      side: { rows: 3, nulls: 1, unseenCategories: 1 },
    });
    expect(await ml.metrics.text()).toContain('mlops_data_quality_issues_total{model="quality",feature="side",kind="unseen_category"} 1');
  });

  it('keeps memory bounded however many rows it observes', () => {
    const mon = ml.monitoring.monitor('bounded', { reference, sampleSize: 1000 });
    const chunk = { ret5m: Float64Array.from(normal(40, 10_000)), vol_z: Float64Array.from(normal(41, 10_000)) };
    for (let i = 0; i < 50; i++) mon.observe(chunk);
    expect(mon.windowRows).toBe(500_000);
    const windows = (mon as unknown as { windows: Map<string, { values: unknown[] }> }).windows;
    for (const w of windows.values()) expect(w.values.length).toBeLessThanOrEqual(1000);
    expect(mon.report().columns.ret5m?.drift).toBe(false);
  });

  it('reports on a schedule and starts a new window each time', async () => {
    const reports: string[] = [];
    const off = ml.events.on('monitoring.report', (e) => reports.push(e.model));
    const mon = ml.monitoring.monitor('scheduled', { reference, schedule: { everyMs: 20, minRows: 10 } });
    mon.observe({ ret5m: normal(50, 100) });
    await new Promise((r) => setTimeout(r, 80));
    off();
    mon.close();
    expect(reports.filter((m) => m === 'scheduled')).toHaveLength(1);
    expect(mon.windowRows).toBe(0);
  });

  it('stores reference profiles with model versions and builds them from the offline feature store', async () => {
    const profile = ml.monitoring.profile(reference, { sampleSize: 500 });
    expect(profile.columns.ret5m).toMatchObject({ kind: 'num', rows: 5000 });
    expect(profile.columns.ret5m?.sample).toHaveLength(500);
    expect(profile.columns.side?.categories).toEqual({ c0: expect.any(Number), c1: expect.any(Number) });
    await ml.monitoring.saveReference('sig', 3, profile);
    expect((await ml.monitoring.loadReference('sig', 3)).columns.ret5m?.rows).toBe(5000);
    await expect(ml.monitoring.loadReference('sig', 4)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], schema: { vwap: 'float64', venue: 'string' } }] });
    await ml.features.push('px', normal(60, 300).map((v, i) => ({ symbol: `S${i % 7}`, event_ts: 1000 + i, vwap: v, venue: i % 2 ? 'XNYS' : 'XNAS' })), { to: 'offline' });
    const fromFeatures = await ml.monitoring.profileFromFeatures({ view: 'px', start: 1000, end: 1100 });
    expect(fromFeatures.columns.vwap).toMatchObject({ kind: 'num', rows: 100 });
    expect(fromFeatures.columns.venue?.categories).toEqual({ XNAS: 50, XNYS: 50 });
    const watch = ml.monitoring.monitorFeatureView('px', { reference: fromFeatures });
    await ml.features.push('px', [{ symbol: 'A', event_ts: 5000, vwap: 1e9, venue: 'XLON' }, { symbol: 'B', event_ts: 5000, venue: 'XNYS' }]);
    expect(watch.dataQuality()).toMatchObject({ vwap: { rows: 2, nulls: 1, outOfRange: 1 }, venue: { rows: 2, unseenCategories: 1 } });
    watch.close();
    await ml.features.push('px', [{ symbol: 'A', event_ts: 6000, vwap: 1 }]);
    expect(watch.dataQuality().vwap?.rows).toBe(2);
    expect(() => ml.monitoring.monitor('', { reference })).toThrow(/Invalid name/);
    expect(() => ml.monitoring.monitor('x', {} as never)).toThrow(/reference is required/);
  });
});
