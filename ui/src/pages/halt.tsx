import { useEffect, useState } from 'preact/hooks';
import { MLOPS, api, get, time, type Who } from '../api';

interface Halt {
  target: { model?: string; route?: string; all?: true };
  haltedBy: string;
  reason: string;
  since: number;
}
interface Status {
  halted: Halt[];
  anyHalted: boolean;
}

let listeners: Array<(s: Status) => void> = [];
let last: Status = { halted: [], anyHalted: false };

/** One status poll for the whole page (banner and buttons), every 2 s. */
function useHaltStatus(): [Status, () => void] {
  const [status, setStatus] = useState(last);
  const refresh = () => void get<Status>(`${MLOPS}/controls/status`).then((s) => ((last = s), listeners.forEach((l) => l(s))), () => undefined);
  useEffect(() => {
    listeners.push(setStatus);
    refresh();
    const t = setInterval(refresh, 2000);
    return () => (clearInterval(t), (listeners = listeners.filter((l) => l !== setStatus)));
  }, []);
  return [status, refresh];
}

const label = (h: Halt) => (h.target.all ? 'EVERY MODEL' : h.target.route ? `${h.target.model}@${h.target.route}` : (h.target.model ?? ''));

/** The red banner shown on every page while anything is halted. */
export function HaltBanner() {
  const [status] = useHaltStatus();
  if (!status.anyHalted) return null;
  return (
    <div class="halt-banner" data-testid="halt-banner" role="alert">
      HALTED: {status.halted.map((h) => `${label(h)} (by ${h.haltedBy} at ${time(h.since)}: ${h.reason})`).join('; ')}
    </div>
  );
}

/** The red halt button of a model (and resume while it is halted), for principals with the halt permission. */
export function HaltButton(props: { model: string; who: Who }) {
  const [status, refresh] = useHaltStatus();
  const [error, setError] = useState('');
  if (!(props.who.can.registered_model ?? []).includes('halt')) return null;
  const halted = status.halted.some((h) => h.target.all || (h.target.model === props.model && h.target.route === undefined));
  const act = async (verb: 'halt' | 'resume') => {
    const reason = prompt(`${verb === 'halt' ? 'Halt' : 'Resume'} ${props.model}: reason (recorded in the audit log)`);
    if (!reason) return;
    try {
      await api('POST', `${MLOPS}/controls/${verb}`, { model: props.model, reason });
      setError('');
    } catch (e) {
      setError((e as Error).message);
    }
    refresh();
  };
  return (
    <span>
      {halted ? (
        <button class="resume" onClick={() => void act('resume')} data-testid={`resume-${props.model}`}>Resume</button>
      ) : (
        <button class="halt" onClick={() => void act('halt')} data-testid={`halt-${props.model}`}>HALT</button>
      )}
      {error && <span class="error"> {error}</span>}
    </span>
  );
}
