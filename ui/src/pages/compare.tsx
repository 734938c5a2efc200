import { useEffect, useMemo, useState } from 'preact/hooks';
import { MLFLOW, MLOPS, api, get, kv } from '../api';
import { LineChart, ScatterChart, type Series } from '../chart';
import type { MlflowRun } from './runs';

declare global {
  interface Window {
    __mlopsFirstChartMs?: number;
  }
}

/** 2-100 runs: one metric overlaid by step or time (downsampled on the server), and params against a metric. */
export function ComparePage(props: { runIds: string[]; experimentIds: string[]; maxPoints?: number }) {
  const [runs, setRuns] = useState<MlflowRun[]>([]);
  const [key, setKey] = useState('');
  const [x, setX] = useState<'step' | 'time'>('step');
  const [series, setSeries] = useState<Series[]>([]);
  const [param, setParam] = useState('');
  const [error, setError] = useState('');
  const ids = props.runIds.join(',');

  useEffect(() => {
    // One search for all runs (run_id IN (...)), not one request per run.
    const quoted = props.runIds.filter((id) => /^[0-9a-f]{32}$/.test(id)).map((id) => `'${id}'`);
    const experiments = props.experimentIds.length > 0
      ? Promise.resolve(props.experimentIds)
      : get<{ run: MlflowRun }>(`${MLFLOW}/runs/get`, { run_id: props.runIds[0] ?? '' }).then((r) => [r.run.info.experiment_id]);
    experiments.then((experimentIds) => api<{ runs?: MlflowRun[] }>('POST', `${MLFLOW}/runs/search`, { experiment_ids: experimentIds, filter: `attributes.run_id IN (${quoted.join(', ')})`, max_results: 1000, run_view_type: 'ALL' })).then(
      (r) => {
        const rs = r.runs ?? [];
        setRuns(rs);
        const keys = [...new Set(rs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
        setKey((k) => k || keys[0] || '');
        setParam((p) => p || [...new Set(rs.flatMap((r) => r.data.params.map((q) => q.key)))].sort()[0] || '');
      },
      (e: Error) => setError(e.message),
    );
  }, [ids]);
  useEffect(() => {
    if (!key) return;
    get<{ series: Array<{ runId: string; x: number[]; y: number[] }> }>(`${MLOPS}/metric-series`, { run_ids: ids, key, x, max_points: props.maxPoints ?? 1000 }).then(
      (r) => {
        const names = new Map(runs.map((run) => [run.info.run_id, run.info.run_name]));
        setSeries(r.series.map((s) => ({ label: names.get(s.runId) ?? s.runId.slice(0, 8), x: x === 'time' ? s.x.map((t) => t / 1000) : s.x, y: s.y })));
      },
      (e: Error) => setError(e.message),
    );
  }, [ids, key, x, runs]);

  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort(), [runs]);
  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.params.map((m) => m.key)))].sort(), [runs]);
  const points = useMemo(
    () =>
      runs
        .map((r) => ({ x: Number(kv(r.data.params)[param]), y: Number(kv(r.data.metrics)[key]), label: r.info.run_name }))
        .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)),
    [runs, param, key],
  );
  const first = () => {
    if (window.__mlopsFirstChartMs === undefined) window.__mlopsFirstChartMs = performance.now();
  };

  return (
    <section>
      <h2>Compare {props.runIds.length} runs</h2>
      {error && <p class="error">{error}</p>}
      <div class="toolbar">
        <label>metric <select name="metric" value={key} onChange={(e) => setKey((e.target as HTMLSelectElement).value)}>{metricKeys.map((k) => <option value={k}>{k}</option>)}</select></label>
        <label>x <select name="x" value={x} onChange={(e) => setX((e.target as HTMLSelectElement).value as 'step' | 'time')}><option value="step">step</option><option value="time">time</option></select></label>
      </div>
      <div class="card">{series.length > 0 && <LineChart series={series} xLabel={x} time={x === 'time'} onRendered={first} testId="compare-chart" />}</div>
      <h3>Params against {key}</h3>
      <div class="toolbar">
        <label>param <select name="param" value={param} onChange={(e) => setParam((e.target as HTMLSelectElement).value)}>{paramKeys.map((k) => <option value={k}>{k}</option>)}</select></label>
        <span class="muted">{points.length} runs with a numeric {param} and {key}</span>
      </div>
      <div class="card">{points.length > 0 && <ScatterChart points={points} xLabel={param} yLabel={key} />}</div>
    </section>
  );
}
