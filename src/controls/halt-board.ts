import type { SqlDriver } from '../adapters/sql/types.js';
import type { ControlsBus } from './events.js';
import { rowTarget, targetKey, type HaltTarget } from './targets.js';

/** A halt in force. */
export interface Halt {
  target: HaltTarget;
  haltedBy: string;
  reason: string;
  /** When it was halted (ms since the epoch). */
  since: number;
}

interface HaltRow {
  target: string;
  model: string | null;
  route: string | null;
  halted_by: string;
  reason: string;
  ts: number;
}

/**
 * This process's copy of the halts in force, kept in step with the metadata store. The hot path
 * (every predict()) only compares `generation` with the number a gate saw last; the store is read
 * when `controls_changes.seq` moved.
 *
 * `wake()` is the one way in for news from other processes: the poll timer calls it (every
 * `pollIntervalMs`, 250 ms by default, the floor on every backend), and a push signal (PostgreSQL
 * LISTEN/NOTIFY, a Redis channel) can call it too, to cut the delay below the poll interval.
 */
export class HaltBoard {
  private readonly halts = new Map<string, Halt>();
  /** Bumped whenever the set of halts changes. */
  generation = 0;
  private lastSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private failing = false;

  constructor(
    private readonly sql: SqlDriver,
    private readonly events: ControlsBus,
  ) {}

  /** Loads the halts in force (so a process that starts now starts halted) and starts polling. */
  async start(pollIntervalMs: number): Promise<void> {
    await this.reload();
    if (pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.wake(), pollIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Looks for controls changes made anywhere and applies them. Never throws: a store that cannot be
   * read keeps the last known halts (a warning is emitted once per outage), since guessing "not
   * halted" would defeat the kill switch. Calls that overlap share one read plus one more.
   */
  wake(): Promise<void> {
    if (this.inFlight !== undefined) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        try {
          const [row] = await this.sql.query<{ seq: number }>('SELECT seq FROM controls_changes WHERE id = 1');
          const seq = Number(row?.seq ?? 0);
          if (seq !== this.lastSeq) await this.reload(seq);
          this.failing = false;
        } catch (err) {
          if (!this.failing) this.events.emit('warning', { source: 'controls', message: 'The halt state could not be read; the last known halts stay in force', cause: err });
          this.failing = true;
        }
      } while (this.again);
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async reload(seq?: number): Promise<void> {
    const rows = await this.sql.query<HaltRow>('SELECT target, model, route, halted_by, reason, ts FROM controls_halts');
    if (seq === undefined) {
      const [row] = await this.sql.query<{ seq: number }>('SELECT seq FROM controls_changes WHERE id = 1');
      seq = Number(row?.seq ?? 0);
    }
    const next = new Map(rows.map((r) => [r.target, { target: rowTarget(r), haltedBy: r.halted_by, reason: r.reason, since: Number(r.ts) } satisfies Halt]));
    const changed = next.size !== this.halts.size || [...next].some(([k, h]) => this.halts.get(k)?.since !== h.since);
    this.lastSeq = seq;
    if (!changed) return;
    const before = new Set(this.halts.keys());
    this.halts.clear();
    for (const [k, h] of next) this.halts.set(k, h);
    this.generation += 1;
    for (const [k, h] of next) if (!before.has(k)) this.events.emit('controls.halted', { target: h.target, haltedBy: h.haltedBy, reason: h.reason });
    for (const k of before) if (!next.has(k)) this.events.emit('controls.resumed', { target: keyTarget(k) });
  }

  /** The halt that stops `model` served as `route` (every-model first, then the model, then the route). */
  match(model: string, route: string | undefined): Halt | undefined {
    if (this.halts.size === 0) return undefined;
    return this.halts.get('*') ?? this.halts.get(targetKey({ model })) ?? (route === undefined ? undefined : this.halts.get(targetKey({ model, route })));
  }

  get(target: HaltTarget): Halt | undefined {
    return this.halts.get(targetKey(target));
  }

  list(): Halt[] {
    return [...this.halts.values()].sort((a, b) => a.since - b.since);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function keyTarget(key: string): HaltTarget {
  if (key === '*') return { all: true };
  if (key.startsWith('model:')) return { model: key.slice(6) };
  const rest = key.slice(6);
  const at = rest.lastIndexOf('@');
  return { model: rest.slice(0, at), route: rest.slice(at + 1) };
}
