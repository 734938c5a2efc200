import { useEffect, useState } from 'preact/hooks';
import { MLOPS, api, get, num, time } from '../api';
import { BarsChart } from '../chart';

interface Col {
  test: string;
  statistic: number;
  pValue?: number;
  threshold: number;
  drift: boolean;
}
interface Monitor {
  name: string;
  windowRows: number;
  report: { datasetDrift: boolean; share: number; columns: Record<string, Col>; at: number } | null;
  histograms: Record<string, { kind: string; labels: string[]; reference: number[]; current: number[] }>;
}

/** Per monitor: per-feature reference vs current histograms, the test, statistic and verdict. */
export function DriftPage() {
  const [monitors, setMonitors] = useState<Monitor[]>([]);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    get<{ monitors: Monitor[] }>(`${MLOPS}/monitoring/monitors`).then((r) => setMonitors(r.monitors), (e: Error) => setError(e.message));
  }, [tick]);
  return (
    <section>
      <h2>Drift</h2>
      {error && <p class="error">{error}</p>}
      {monitors.length === 0 && <p class="muted">No monitors in this server's runtime.</p>}
      {monitors.map((m) => (
        <div class="card" data-testid={`monitor-${m.name}`}>
          <h3>
            {m.name}{' '}
            {m.report && <span class={`badge ${m.report.datasetDrift ? 'drift' : 'approved'}`} data-testid="verdict">{m.report.datasetDrift ? 'dataset drift' : 'no drift'}</span>}
          </h3>
          <p class="muted">
            {m.windowRows} rows in the current window · {m.report ? `last report ${time(m.report.at)}, ${(m.report.share * 100).toFixed(0)}% of columns drifted` : 'no report yet'}{' '}
            <button onClick={() => api('POST', `${MLOPS}/monitoring/report`, { name: m.name }).then(() => setTick((t) => t + 1), (e: Error) => setError(e.message))}>Run report now</button>
          </p>
          <div class="grid">
            {Object.entries(m.histograms).map(([feature, h]) => {
              const c = m.report?.columns[feature];
              return (
                <div class="card">
                  <strong>{feature}</strong>{' '}
                  {c && (
                    <span class="muted">
                      {c.test} statistic {num(c.statistic)}{c.pValue !== undefined ? `, p = ${num(c.pValue)}` : ''}, threshold {num(c.threshold)} → <span class={c.drift ? 'error' : 'ok'}>{c.drift ? 'DRIFT' : 'ok'}</span>
                    </span>
                  )}
                  <BarsChart labels={h.labels} reference={h.reference} current={h.current} testId={`hist-${feature}`} />
                </div>
              );
            })}
          </div>
        </div>
      ))}
    </section>
  );
}
