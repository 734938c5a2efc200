import { useEffect, useRef, useState } from 'preact/hooks';
import { MLOPS, get } from '../api';

interface Served {
  name: string;
  version: number | null;
  provider: string;
  ready: boolean;
  queueDepth: number;
  stats: { batches: number; requests: number; rows: number };
  meanBatchSize: number | null;
  latency: { p50: number; p99: number; samples: number } | null;
}

/** Loaded models, refreshed every 2 s: provider, throughput since the last refresh, p50/p99, batch sizes. */
export function ServingPage() {
  const [models, setModels] = useState<Served[]>([]);
  const [rates, setRates] = useState<Record<string, number>>({});
  const [error, setError] = useState('');
  const last = useRef<{ at: number; requests: Record<string, number> } | null>(null);
  useEffect(() => {
    const load = () =>
      get<{ models: Served[] }>(`${MLOPS}/serving/models`).then(
        (r) => {
          const now = performance.now();
          const requests = Object.fromEntries(r.models.map((m) => [m.name, m.stats.requests]));
          const prev = last.current;
          if (prev) setRates(Object.fromEntries(r.models.map((m) => [m.name, ((m.stats.requests - (prev.requests[m.name] ?? 0)) / (now - prev.at)) * 1000])));
          last.current = { at: now, requests };
          setModels(r.models);
        },
        (e: Error) => setError(e.message),
      );
    void load();
    const t = setInterval(load, 2000);
    return () => clearInterval(t);
  }, []);
  const us = (s: number | undefined) => (s === undefined ? '' : `${(s * 1e6).toFixed(0)} µs`);
  return (
    <section>
      <h2>Serving</h2>
      {error && <p class="error">{error}</p>}
      {models.length === 0 && <p class="muted">No models loaded in this server's runtime.</p>}
      <table data-testid="served">
        <thead><tr><th>Model</th><th>Version</th><th>Provider</th><th>Ready</th><th>Requests</th><th>Req/s</th><th>p50</th><th>p99</th><th>Mean batch</th><th>Queue</th></tr></thead>
        <tbody>
          {models.map((m) => (
            <tr>
              <td>{m.name}</td>
              <td>{m.version ?? 'file'}</td>
              <td>{m.provider}</td>
              <td>{m.ready ? 'yes' : <span class="error">no</span>}</td>
              <td class="num">{m.stats.requests}</td>
              <td class="num">{rates[m.name] === undefined ? '' : rates[m.name]!.toFixed(0)}</td>
              <td class="num">{us(m.latency?.p50)}</td>
              <td class="num">{us(m.latency?.p99)}</td>
              <td class="num">{m.meanBatchSize?.toFixed(1) ?? ''}</td>
              <td class="num">{m.queueDepth}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
