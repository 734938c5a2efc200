import { useEffect, useState } from 'preact/hooks';
import { MLFLOW, api, time } from '../api';

interface Exp {
  experiment_id: string;
  name: string;
  lifecycle_stage: string;
  creation_time: number;
  tags: Array<{ key: string; value: string }>;
}

export function ExperimentsPage() {
  const [exps, setExps] = useState<Exp[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ experiments?: Exp[] }>('POST', `${MLFLOW}/experiments/search`, { max_results: 1000, order_by: ['last_update_time DESC'] }).then((r) => setExps(r.experiments ?? []), (e: Error) => setError(e.message));
  }, []);
  return (
    <section>
      <h2>Experiments</h2>
      {error && <p class="error">{error}</p>}
      {exps && (
        <table data-testid="experiments">
          <thead>
            <tr><th>ID</th><th>Name</th><th>Created</th><th>Tags</th></tr>
          </thead>
          <tbody>
            {exps.map((e) => (
              <tr>
                <td>{e.experiment_id}</td>
                <td><a href={`#/experiments/${e.experiment_id}`}>{e.name}</a></td>
                <td>{time(e.creation_time)}</td>
                <td>{e.tags.map((t) => <span class="badge">{t.key}={t.value}</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
