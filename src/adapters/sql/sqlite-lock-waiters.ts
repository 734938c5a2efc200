import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Turn-taking between processes that write one SQLite file. SQLite's write lock has no queue: a
 * process that writes in a loop takes it again microseconds after releasing it, and another process
 * polling for it rarely finds it free (measured 2026-11-30, two processes looping registry writes and
 * logMetrics: one completed 16% of what it completed alone). A process that finds the lock busy
 * leaves a marker file (`<db>-lockwait/<pid>`) until it gets the lock; a process about to begin a
 * write transaction that sees another's marker waits a moment (up to `maxDeferMs`) so the waiter
 * gets its turn. Without contention this costs one cached directory read per millisecond.
 */
export class LockWaiters {
  private readonly dir: string;
  private readonly mine: string;
  private marked = false;
  private checkedAt = -Infinity;
  private others = false;

  /** When this process's current turn with the lock began (after waiting or deferring). */
  private turnStart = -Infinity;

  /**
   * @param burstMs how long a process keeps writing before it yields to a waiter: each hand-over costs
   *   the other process's wake-up, so turns of a few transactions beat strict alternation.
   * @param maxDeferMs the longest a process waits for a waiter to take its turn.
   */
  constructor(dbPath: string, readonly burstMs = 10, readonly maxDeferMs = 100) {
    this.dir = `${dbPath}-lockwait`;
    this.mine = join(this.dir, String(process.pid));
  }

  /** This process is waiting for the write lock. */
  mark(): void {
    if (this.marked) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(this.mine, '');
      this.marked = true;
    } catch {
      // A read-only folder: no turn-taking, as before.
    }
  }

  /** This process got the lock, or gave up. */
  unmark(): void {
    if (!this.marked) return;
    this.marked = false;
    this.turnStart = performance.now();
    rmSync(this.mine, { force: true });
  }

  /** True when a live process other than this one waits for the lock (read at most once per ms). */
  othersWaiting(): boolean {
    const now = performance.now();
    if (now - this.checkedAt < 1) return this.others;
    this.checkedAt = now;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return (this.others = false);
    }
    this.others = false;
    for (const name of names) {
      if (name === String(process.pid) || !/^\d+$/.test(name)) continue;
      if (alive(Number(name))) this.others = true;
      else rmSync(join(this.dir, name), { force: true }); // left by a process killed while waiting
    }
    return this.others;
  }

  /** True when another process waits and this one has had the lock for its burst. */
  shouldDefer(): boolean {
    return performance.now() - this.turnStart >= this.burstMs && this.othersWaiting();
  }

  /** Waits, on timers, while another process waits for the lock; at most maxDeferMs. */
  async deferToOthers(): Promise<void> {
    const until = performance.now() + this.maxDeferMs;
    while (this.othersWaiting() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
    this.turnStart = performance.now();
  }

  close(): void {
    this.unmark();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
