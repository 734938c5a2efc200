import { useEffect, useState } from 'preact/hooks';
import { MLOPS, get, time } from '../api';

interface Rec {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  resourceKind: string;
  resource: string;
  reason: string | null;
  hash: string;
}

export function AuditPage() {
  const [records, setRecords] = useState<Rec[]>([]);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [verify, setVerify] = useState<{ ok: boolean; checked: number; firstBrokenSeq?: number } | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    get<{ records: Rec[] }>(`${MLOPS}/audit/records`, { actor, action, limit: 1000 }).then((r) => (setRecords(r.records), setError('')), (e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  return (
    <section>
      <h2>Audit log</h2>
      <form class="toolbar" onSubmit={(e) => (e.preventDefault(), void load())}>
        <input type="text" name="actor" placeholder="actor" value={actor} onInput={(e) => setActor((e.target as HTMLInputElement).value)} />
        <input type="text" name="action" placeholder="action, e.g. registry.approve" value={action} onInput={(e) => setAction((e.target as HTMLInputElement).value)} />
        <button type="submit">Filter</button>
        <button type="button" data-testid="verify" onClick={() => get(`${MLOPS}/audit/verify`).then(setVerify, (e: Error) => setError(e.message))}>Verify chain</button>
        {verify && (
          <span class={verify.ok ? 'ok' : 'error'} data-testid="verify-result">
            {verify.ok ? `Chain intact: ${verify.checked} records verified` : `Chain BROKEN at record ${verify.firstBrokenSeq}`}
          </span>
        )}
      </form>
      {error && <p class="error">{error}</p>}
      <table data-testid="audit">
        <thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Resource</th><th>Reason</th><th>Hash</th></tr></thead>
        <tbody>
          {records.map((r) => (
            <tr><td>{r.seq}</td><td>{time(r.ts)}</td><td>{r.actor}</td><td>{r.action}</td><td>{r.resourceKind}:{r.resource}</td><td>{r.reason ?? ''}</td><td><code>{r.hash.slice(0, 12)}</code></td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
