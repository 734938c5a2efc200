import { useEffect, useState } from 'preact/hooks';
import { MLFLOW, MLOPS, api, get, time, type Who } from '../api';
import { HaltButton } from './halt';

interface MV {
  name: string;
  version: string;
  approval: string;
  aliases: string[];
  sha256: string;
  run_id?: string;
  source: string;
  user_id: string;
  creation_timestamp: number;
  description: string;
}
interface RM {
  name: string;
  description: string;
  aliases: Array<{ alias: string; version: string }>;
  latest_versions: MV[];
  last_updated_timestamp: number;
}

export function ModelsPage(props: { who: Who }) {
  const [models, setModels] = useState<RM[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    get<{ registered_models?: RM[] }>(`${MLFLOW}/registered-models/search`, { max_results: 1000 }).then((r) => setModels(r.registered_models ?? []), (e: Error) => setError(e.message));
  }, []);
  return (
    <section>
      <h2>Registered models</h2>
      {error && <p class="error">{error}</p>}
      <table data-testid="models">
        <thead><tr><th>Name</th><th>Latest</th><th>Aliases</th><th>Updated</th><th>Description</th><th>Kill switch</th></tr></thead>
        <tbody>
          {models.map((m) => (
            <tr>
              <td><a href={`#/models/${encodeURIComponent(m.name)}`}>{m.name}</a></td>
              <td>{m.latest_versions[0]?.version ?? ''}</td>
              <td>{m.aliases.map((a) => <span class="badge">{a.alias} → v{a.version}</span>)}</td>
              <td>{time(m.last_updated_timestamp)}</td>
              <td>{m.description}</td>
              <td><HaltButton model={m.name} who={props.who} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface Detail {
  version: { signature: { inputs: Array<{ name: string; elementType: string | null; shape: unknown[] | null; columns?: string[] }>; outputs: Array<{ name: string; elementType: string | null; shape: unknown[] | null }> } | null; approvalRequestedBy?: string };
  history: Array<{ from: string; to: string; actor: string; ts: number; reason?: string }>;
}

function VersionCard(props: { v: MV; who: Who; reload: () => void }) {
  const { v, who } = props;
  const [detail, setDetail] = useState<Detail | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [alias, setAlias] = useState('champion');
  const [reason, setReason] = useState('');
  useEffect(() => {
    get<Detail>(`${MLOPS}/model-versions/detail`, { name: v.name, version: v.version }).then(setDetail, () => undefined);
  }, [v.name, v.version, v.approval]);
  const canApprove = who.can.registered_model?.includes('approve') ?? false;
  const canWrite = who.can.registered_model?.includes('write') ?? false;
  const requester = detail?.version.approvalRequestedBy;
  const ownRequest = requester !== undefined && requester === who.id;
  const act = async (label: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      setMessage({ ok: true, text: `${label}: done` });
      props.reload();
    } catch (e) {
      setMessage({ ok: false, text: `${label}: ${(e as Error).message}` });
    }
  };
  const transition = (path: string) => act(path, () => api('POST', `${MLOPS}/model-versions/${path}`, { name: v.name, version: v.version, ...(reason ? { reason } : {}) }));
  return (
    <div class="card" data-testid={`version-${v.version}`}>
      <h3>
        Version {v.version} <span class={`badge ${v.approval}`} data-testid="approval">{v.approval}</span>
        {v.aliases.map((a) => <span class="badge" data-testid="alias">@{a}</span>)}
      </h3>
      <p class="muted">
        sha256 <code>{v.sha256.slice(0, 16)}…</code> · by {v.user_id} · {time(v.creation_timestamp)} · source <code>{v.source}</code>
        {v.run_id && <> · run <a href={`#/runs/${v.run_id}`}>{v.run_id.slice(0, 8)}</a></>}
      </p>
      {detail?.version.signature && (
        <p>
          inputs {detail.version.signature.inputs.map((i) => <code title={i.columns ? `columns: ${i.columns.join(', ')}` : undefined}>{i.name}: {i.elementType}[{(i.shape ?? []).join(', ')}]{i.columns ? ` (${i.columns.join(', ')})` : ''} </code>)} → outputs{' '}
          {detail.version.signature.outputs.map((o) => <code>{o.name}: {o.elementType}[{(o.shape ?? []).join(', ')}] </code>)}
        </p>
      )}
      {v.approval === 'pending_approval' && detail !== null && (
        <p class="muted" data-testid="four-eyes">
          Requested by {requester}. Four eyes: {ownRequest ? 'you asked for this approval, so another reviewer must approve it.' : canApprove ? 'you may approve or reject.' : 'a reviewer must approve it.'}
        </p>
      )}
      <div class="toolbar">
        <input type="text" name="reason" placeholder="reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        {(v.approval === 'draft' || v.approval === 'rejected') && <button disabled={!canWrite} onClick={() => transition('request-approval')}>Request approval</button>}
        {v.approval === 'pending_approval' && detail !== null && (
          <>
            <button class="primary" data-testid="approve" disabled={!canApprove || ownRequest} title={ownRequest ? 'four eyes: not the requester' : !canApprove ? 'needs the approve permission' : ''} onClick={() => transition('approve')}>Approve</button>
            <button data-testid="reject" disabled={!canApprove || ownRequest} onClick={() => transition('reject')}>Reject</button>
          </>
        )}
        {v.approval === 'approved' && (
          <>
            <input type="text" name="alias" value={alias} onInput={(e) => setAlias((e.target as HTMLInputElement).value)} />
            <button data-testid="set-alias" disabled={!canWrite} onClick={() => act('set alias', () => api('POST', `${MLFLOW}/registered-models/alias`, { name: v.name, alias, version: v.version }))}>Set alias</button>
            <button disabled={!canApprove} onClick={() => transition('revoke')}>Revoke</button>
          </>
        )}
      </div>
      {message && <p class={message.ok ? 'ok' : 'error'} data-testid="message">{message.text}</p>}
      {detail && detail.history.length > 0 && (
        <table data-testid="history">
          <thead><tr><th>When</th><th>Who</th><th>From</th><th>To</th><th>Reason</th></tr></thead>
          <tbody>{detail.history.map((h) => <tr><td>{time(h.ts)}</td><td>{h.actor}</td><td>{h.from}</td><td>{h.to}</td><td>{h.reason ?? ''}</td></tr>)}</tbody>
        </table>
      )}
    </div>
  );
}

export function ModelPage(props: { name: string; who: Who }) {
  const [versions, setVersions] = useState<MV[]>([]);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState('');
  useEffect(() => {
    get<{ model_versions?: MV[] }>(`${MLFLOW}/model-versions/search`, { filter: `name = '${props.name.replace(/'/g, "\\'")}'`, order_by: 'version DESC', max_results: 200 }).then(
      (r) => setVersions(r.model_versions ?? []),
      (e: Error) => setError(e.message),
    );
  }, [props.name, tick]);
  return (
    <section>
      <h2>{props.name}</h2>
      {error && <p class="error">{error}</p>}
      {versions.map((v) => <VersionCard key={`${v.version}-${v.approval}-${v.aliases.join()}`} v={v} who={props.who} reload={() => setTick((t) => t + 1)} />)}
    </section>
  );
}
