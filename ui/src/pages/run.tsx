import { useEffect, useState } from 'preact/hooks';
import { MLFLOW, MLOPS, apiKey, get, num, time } from '../api';
import { LineChart, type Series } from '../chart';
import type { MlflowRun } from './runs';

/** One run: info, params, metrics with history charts, tags, artifacts with download. */
export function RunPage(props: { runId: string }) {
  const [run, setRun] = useState<MlflowRun | null>(null);
  const [files, setFiles] = useState<Array<{ path: string; is_dir: boolean; file_size?: number }>>([]);
  const [dir, setDir] = useState('');
  const [charts, setCharts] = useState<Record<string, Series[]>>({});
  const [error, setError] = useState('');
  const [models, setModels] = useState<Array<{ model_id: string; name: string; status: string; step: number }>>([]);
  useEffect(() => {
    get<{ run: MlflowRun }>(`${MLFLOW}/runs/get`, { run_id: props.runId }).then((r) => setRun(r.run), (e: Error) => setError(e.message));
  }, [props.runId]);
  useEffect(() => {
    get<{ files?: typeof files }>(`${MLFLOW}/artifacts/list`, { run_id: props.runId, path: dir }).then((r) => setFiles(r.files ?? []), () => setFiles([]));
  }, [props.runId, dir]);
  useEffect(() => {
    if (run === null) return;
    for (const m of run.data.metrics) {
      get<{ series: Array<{ x: number[]; y: number[] }> }>(`${MLOPS}/metric-series`, { run_ids: props.runId, key: m.key, max_points: 600 }).then((r) =>
        setCharts((c) => ({ ...c, [m.key]: [{ label: m.key, x: r.series[0]?.x ?? [], y: r.series[0]?.y ?? [] }] })),
      );
    }
  }, [run]);
  useEffect(() => {
    const outputs = run?.outputs?.model_outputs ?? [];
    Promise.all(
      outputs.map((o) =>
        get<{ model: { info: { model_id: string; name: string; status: string } } }>(`${MLFLOW}/logged-models/${o.model_id}`).then(
          (r) => ({ ...r.model.info, step: o.step }),
          () => ({ model_id: o.model_id, name: '(deleted)', status: '', step: o.step }),
        ),
      ),
    ).then(setModels, () => setModels([]));
  }, [run]);
  const download = async (path: string) => {
    const key = apiKey();
    const res = await fetch(`/api/2.0/mlflow-artifacts/artifacts/${run!.info.experiment_id}/${props.runId}/artifacts/${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = path.split('/').pop() ?? 'artifact';
    a.click();
    URL.revokeObjectURL(url);
  };
  if (error) return <p class="error">{error}</p>;
  if (run === null) return <p>Loading…</p>;
  const i = run.info;
  return (
    <section>
      <h2>{i.run_name} <span class="badge">{i.status}</span></h2>
      <p class="muted">run {i.run_id} · experiment <a href={`#/experiments/${i.experiment_id}`}>{i.experiment_id}</a> · {i.user_id} · {time(i.start_time)} → {time(i.end_time)}</p>
      <div class="grid">
        <div class="card"><h3>Params</h3><table data-testid="params"><tbody>{run.data.params.map((p) => <tr><td>{p.key}</td><td>{p.value}</td></tr>)}</tbody></table></div>
        <div class="card"><h3>Metrics (latest)</h3><table><tbody>{run.data.metrics.map((m) => <tr><td>{m.key}</td><td class="num">{num(m.value)}</td><td class="muted">step {m.step}</td></tr>)}</tbody></table></div>
        <div class="card"><h3>Tags</h3><table><tbody>{run.data.tags.map((t) => <tr><td>{t.key}</td><td>{t.value}</td></tr>)}</tbody></table></div>
        <div class="card">
          <h3>Artifacts {dir && <button class="link" onClick={() => setDir(dir.split('/').slice(0, -1).join('/'))}>↑ {dir}</button>}</h3>
          <table data-testid="artifacts"><tbody>{files.map((f) => <tr><td>{f.is_dir ? <button class="link" onClick={() => setDir(dir ? `${dir}/${f.path.split('/').pop()}` : f.path)}>{f.path}/</button> : f.path}</td><td class="num">{f.file_size ?? ''}</td><td>{!f.is_dir && <button onClick={() => download(dir && !f.path.startsWith(dir) ? `${dir}/${f.path}` : f.path)}>download</button>}</td></tr>)}</tbody></table>
        </div>
      </div>
      {models.length > 0 && (
        <div class="card">
          <h3>Models logged by this run</h3>
          <table data-testid="logged-models"><tbody>{models.map((m) => <tr><td>{m.name}</td><td class="muted">{m.model_id}</td><td><span class="badge">{m.status.replace('LOGGED_MODEL_', '')}</span></td><td class="muted">step {m.step}</td></tr>)}</tbody></table>
        </div>
      )}
      <h3>Metric history</h3>
      <div class="grid">{Object.entries(charts).map(([k, s]) => <div class="card"><strong>{k}</strong><LineChart series={s} xLabel="step" height={200} /></div>)}</div>
    </section>
  );
}
