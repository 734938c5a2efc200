import { InvalidArgumentError } from './errors.js';

/**
 * A way for processes sharing stores to wake each other: PostgreSQL LISTEN/NOTIFY on the metadata
 * store, Redis pub/sub on the online store. A message carries no data, only "look again": the state
 * itself is always read from the store, so a lost or duplicated message costs a poll, never a wrong answer.
 */
export interface SignalTransport {
  /** For diagnostics: `postgres`, `redis`. */
  readonly name: string;
  /**
   * Calls `onMessage` for every message on `channel`, and once more after each reconnect (messages
   * sent while the connection was down are lost). Keeps its own connection and reconnects by itself;
   * resolves once listening (or once it has started retrying).
   */
  subscribe(channel: string, onMessage: () => void): Promise<void>;
  /** Sends one message on `channel` to every subscribed process (this one included). */
  publish(channel: string): Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /**
   * The polling floor: `wake` also runs at least this often (ms), so a change is seen within this
   * time even when every transport is down or none is configured (SQLite + memory). 0: messages only.
   */
  floorMs?: number;
}

const CHANNEL = /^[A-Za-z0-9_.:-]{1,64}$/;

interface Channel {
  wakes: Set<() => void>;
  subscribed: boolean;
}

/**
 * Channel name -> wake-up callbacks, across processes. `on('registry', poll, { floorMs })` runs `poll`
 * when another process signals 'registry' (sub-second) and at least every `floorMs`; `notify('registry')`
 * after a committed change wakes everyone. Used by the registry (alias moves, revocations) and meant
 * for anything else another process must see quickly (halts).
 */
export class ChangeSignal {
  private readonly channels = new Map<string, Channel>();
  private readonly pending = new Set<string>();
  private closed = false;

  constructor(
    private readonly transports: readonly SignalTransport[],
    /** Where transport failures go (they never reach the caller: polling covers them). */
    private readonly onError: (err: unknown, transport: string) => void = () => undefined,
  ) {}

  /** The transports in use, by name (empty: polling only). */
  get kinds(): string[] {
    return this.transports.map((t) => t.name);
  }

  /** Registers `wake` for `channel`; returns the function that removes it (and its floor timer). */
  on(channel: string, wake: () => void, options: WatchOptions = {}): () => void {
    checkChannel(channel);
    const floorMs = options.floorMs ?? 0;
    if (!Number.isFinite(floorMs) || floorMs < 0) throw new InvalidArgumentError(`Invalid floorMs: ${floorMs} must be >= 0`);
    let entry = this.channels.get(channel);
    if (entry === undefined) this.channels.set(channel, (entry = { wakes: new Set(), subscribed: false }));
    const own = () => this.run(wake);
    entry.wakes.add(own);
    if (!entry.subscribed && !this.closed) {
      entry.subscribed = true;
      for (const t of this.transports) t.subscribe(channel, () => this.fire(channel)).catch((err: unknown) => this.onError(err, t.name));
    }
    const timer = floorMs > 0 ? setInterval(own, floorMs) : undefined;
    timer?.unref();
    return () => {
      if (timer !== undefined) clearInterval(timer);
      entry.wakes.delete(own);
    };
  }

  /**
   * Wakes every process listening on `channel`. Call it after the change committed. Several calls in
   * one tick send one message; it never throws and never waits for the transports.
   */
  notify(channel: string): void {
    checkChannel(channel);
    if (this.closed || this.transports.length === 0 || this.pending.has(channel)) return;
    this.pending.add(channel);
    setImmediate(() => {
      this.pending.delete(channel);
      if (this.closed) return;
      for (const t of this.transports) t.publish(channel).catch((err: unknown) => this.onError(err, t.name));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await Promise.allSettled(this.transports.map((t) => t.close()));
  }

  private fire(channel: string): void {
    if (this.closed) return;
    for (const wake of this.channels.get(channel)?.wakes ?? []) wake();
  }

  private run(wake: () => void): void {
    try {
      wake();
    } catch (err) {
      this.onError(err, 'wake');
    }
  }
}

function checkChannel(channel: string): void {
  if (typeof channel !== 'string' || !CHANNEL.test(channel)) throw new InvalidArgumentError(`Invalid channel: ${JSON.stringify(channel)} must be 1-64 of letters, digits, _ . : -`);
}
