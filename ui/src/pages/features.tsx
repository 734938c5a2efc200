import { useEffect, useState } from 'preact/hooks';
import { MLOPS, get, time } from '../api';

interface View {
  name: string;
  entities: string[];
  ttlMs?: number;
  schema: Record<string, string>;
  owner?: string;
  online?: { hits: number; stale: number; misses: number };
  newestEventTs: number | null;
  freshnessSeconds: number | null;
}

export function FeaturesPage() {
  const [views, setViews] = useState<View[]>([]);
  const [services, setServices] = useState<Array<{ name: string; features: string[] }>>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    get<{ views: View[]; services: Array<{ name: string; features: string[] }> }>(`${MLOPS}/features/views`).then((r) => (setViews(r.views), setServices(r.services)), (e: Error) => setError(e.message));
  }, []);
  return (
    <section>
      <h2>Feature views</h2>
      {error && <p class="error">{error}</p>}
      <table data-testid="views">
        <thead><tr><th>View</th><th>Entities</th><th>Schema</th><th>TTL</th><th>Newest event</th><th>Freshness</th><th>Online hit / stale / miss</th><th>Owner</th></tr></thead>
        <tbody>
          {views.map((v) => {
            const o = v.online ?? { hits: 0, stale: 0, misses: 0 };
            const total = o.hits + o.stale + o.misses;
            return (
              <tr>
                <td>{v.name}</td>
                <td>{v.entities.join(', ')}</td>
                <td>{Object.entries(v.schema).map(([k, t]) => <code>{k}:{t} </code>)}</td>
                <td>{v.ttlMs ? `${Math.round(v.ttlMs / 1000)} s` : '∞'}</td>
                <td>{time(v.newestEventTs)}</td>
                <td>{v.freshnessSeconds === null ? 'no writes seen' : `${v.freshnessSeconds.toFixed(0)} s ago`}</td>
                <td>{total === 0 ? 'no reads' : `${o.hits} / ${o.stale} / ${o.misses} (${((o.hits / total) * 100).toFixed(0)}% hit)`}</td>
                <td>{v.owner ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3>Feature services</h3>
      <table><tbody>{services.map((s) => <tr><td>{s.name}</td><td>{s.features.map((f) => <code>{f} </code>)}</td></tr>)}</tbody></table>
    </section>
  );
}
