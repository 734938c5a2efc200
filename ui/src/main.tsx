import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, MLOPS, apiKey, get, setApiKey, type Who } from './api';
import { AuditPage } from './pages/audit';
import { ComparePage } from './pages/compare';
import { DriftPage } from './pages/drift';
import { ExperimentsPage } from './pages/experiments';
import { FeaturesPage } from './pages/features';
import { HaltBanner } from './pages/halt';
import { ModelPage, ModelsPage } from './pages/models';
import { RunPage } from './pages/run';
import { RunsPage } from './pages/runs';
import { ServingPage } from './pages/serving';
import './style.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash.slice(1) || '/experiments');
  useEffect(() => {
    const on = () => setHash(location.hash.slice(1) || '/experiments');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function route(hash: string, who: Who) {
  const [path = '', query = ''] = hash.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'experiments':
      return parts[1] ? <RunsPage experimentId={parts[1]} /> : <ExperimentsPage />;
    case 'compare':
      return <ComparePage runIds={(params.get('runs') ?? '').split(',').filter(Boolean)} experimentIds={(params.get('exp') ?? '').split(',').filter(Boolean)} maxPoints={params.has('points') ? Number(params.get('points')) : undefined} />;
    case 'runs':
      return <RunPage runId={parts[1] ?? ''} />;
    case 'models':
      return parts[1] ? <ModelPage name={parts[1]} who={who} /> : <ModelsPage who={who} />;
    case 'features':
      return <FeaturesPage />;
    case 'serving':
      return <ServingPage />;
    case 'drift':
      return <DriftPage />;
    case 'audit':
      return <AuditPage />;
    default:
      return <p>Unknown page {path}</p>;
  }
}

function Login(props: { error: string; onKey: (k: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <form class="login" onSubmit={(e) => (e.preventDefault(), props.onKey(key))}>
      <h1>mlops</h1>
      <p>This server needs an API key.</p>
      <input name="api-key" type="password" placeholder="API key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      <button type="submit">Sign in</button>
      {props.error && <p class="error">{props.error}</p>}
    </form>
  );
}

function App() {
  const hash = useHash();
  const [who, setWho] = useState<Who | null>(null);
  const [error, setError] = useState('');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    get<Who>(`${MLOPS}/whoami`).then(
      (w) => (setWho(w), setError('')),
      (e: unknown) => (setWho(null), setError(e instanceof ApiError && e.status === 401 ? (apiKey() ? 'That key was not accepted.' : '') : String((e as Error).message))),
    );
  }, [attempt]);
  if (who === null) return <Login error={error} onKey={(k) => (setApiKey(k), setAttempt((n) => n + 1))} />;
  const tabs = [['experiments', 'Experiments'], ['models', 'Registry'], ['features', 'Features'], ['serving', 'Serving'], ['drift', 'Drift'], ['audit', 'Audit']] as const;
  const active = hash.split('/')[1];
  return (
    <>
      <header>
        <strong>mlops</strong>
        <nav>
          {tabs.map(([path, label]) => (
            <a href={`#/${path}`} class={active === path || (path === 'experiments' && (active === 'compare' || active === 'runs')) ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {who.id} ({who.roles.join(', ') || 'no roles'})
          {apiKey() && <button class="link" onClick={() => (setApiKey(null), setAttempt((n) => n + 1))}>sign out</button>}
        </span>
      </header>
      <HaltBanner />
      <main>{route(hash, who)}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
