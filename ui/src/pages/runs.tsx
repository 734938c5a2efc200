import { useEffect, useMemo, useState } from 'preact/hooks';
import { MLFLOW, api, get, kv, num, time } from '../api';

export interface MlflowRun {
  info: { run_id: string; run_name: string; status: string; start_time: number; end_time?: number; experiment_id: string; user_id: string; artifact_uri: string; lifecycle_stage: string };
  data: { metrics: Array<{ key: string; value: number; step: number; timestamp: number }>; params: Array<{ key: string; value: string }>; tags: Array<{ key: string; value: string }> };
  /** MLflow 3: the logged models the run produced (runs/get only). */
  outputs?: { model_outputs?: Array<{ model_id: string; step: number }> };
}

/** Runs of one experiment: MLflow's search grammar, sortable columns, chosen params and metrics, compare. */
export function RunsPage(props: { experimentId: string }) {
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState('');
  const [orderBy, setOrderBy] = useState<{ col: string; desc: boolean } | null>(null);
  const [runs, setRuns] = useState<MlflowRun[]>([]);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string[]>([]);
  const [shownParams, setShownParams] = useState<string[] | null>(null);
  const [shownMetrics, setShownMetrics] = useState<string[] | null>(null);
  const [name, setName] = useState('');

  useEffect(() => {
    get(`${MLFLOW}/experiments/get`, { experiment_id: props.experimentId }).then((r) => setName(r.experiment.name), () => undefined);
  }, [props.experimentId]);
  useEffect(() => {
    const order = orderBy ? [`${orderBy.col} ${orderBy.desc ? 'DESC' : 'ASC'}`] : ['attributes.start_time DESC'];
    api<{ runs?: MlflowRun[] }>('POST', `${MLFLOW}/runs/search`, { experiment_ids: [props.experimentId], filter: applied, order_by: order, max_results: 1000 }).then(
      (r) => (setRuns(r.runs ?? []), setError('')),
      (e: Error) => setError(e.message),
    );
  }, [props.experimentId, applied, orderBy]);

  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort(), [runs]);
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort(), [runs]);
  const params = shownParams ?? paramKeys.slice(0, 4);
  const metrics = shownMetrics ?? metricKeys.slice(0, 4);
  const ref = (kind: string, k: string) => (/^[\w.]+$/.test(k) ? `${kind}.${k}` : `${kind}.\`${k}\``);
  const sortBy = (col: string) => setOrderBy((o) => (o?.col === col ? { col, desc: !o.desc } : { col, desc: true }));
  const arrow = (col: string) => (orderBy?.col === col ? (orderBy.desc ? ' ▼' : ' ▲') : '');
  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id]));
  const pick = (all: string[], shown: string[], set: (v: string[]) => void, label: string) => (
    <select multiple size={Math.min(4, Math.max(2, all.length))} aria-label={label} onChange={(e) => set([...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value))}>
      {all.map((k) => <option value={k} selected={shown.includes(k)}>{k}</option>)}
    </select>
  );

  return (
    <section>
      <h2>{name || `Experiment ${props.experimentId}`} <span class="muted">· {runs.length} runs</span></h2>
      <form class="toolbar" onSubmit={(e) => (e.preventDefault(), setApplied(filter))}>
        <input class="filter" type="text" name="filter" placeholder="metrics.auc > 0.8 AND params.lr = '0.01'" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
        <span class="muted">params</span>{pick(paramKeys, params, setShownParams, 'param columns')}
        <span class="muted">metrics</span>{pick(metricKeys, metrics, setShownMetrics, 'metric columns')}
        <button class="primary" data-testid="compare" disabled={selected.length < 2} onClick={(e) => (e.preventDefault(), (location.hash = `#/compare?exp=${props.experimentId}&runs=${selected.join(',')}`))}>
          Compare {selected.length} runs
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      <table data-testid="runs">
        <thead>
          <tr>
            <th></th>
            <th class="sortable" onClick={() => sortBy('attributes.run_name')}>Run{arrow('attributes.run_name')}</th>
            <th class="sortable" onClick={() => sortBy('attributes.status')}>Status{arrow('attributes.status')}</th>
            <th class="sortable" onClick={() => sortBy('attributes.start_time')}>Started{arrow('attributes.start_time')}</th>
            {params.map((p) => <th class="sortable" onClick={() => sortBy(ref('params', p))}>{p}{arrow(ref('params', p))}</th>)}
            {metrics.map((m) => <th class="sortable" onClick={() => sortBy(ref('metrics', m))}>{m}{arrow(ref('metrics', m))}</th>)}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const p = kv(r.data.params);
            const m = kv(r.data.metrics);
            return (
              <tr>
                <td><input type="checkbox" aria-label={`select ${r.info.run_name}`} checked={selected.includes(r.info.run_id)} onChange={() => toggle(r.info.run_id)} /></td>
                <td><a href={`#/runs/${r.info.run_id}`}>{r.info.run_name}</a></td>
                <td>{r.info.status}</td>
                <td>{time(r.info.start_time)}</td>
                {params.map((k) => <td>{p[k] ?? ''}</td>)}
                {metrics.map((k) => <td class="num">{num(m[k])}</td>)}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
