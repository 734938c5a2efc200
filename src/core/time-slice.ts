/**
 * Cooperative time slicing for work that runs synchronously on the host's thread (better-sqlite3, the
 * in-memory online store, row validation). An awaited call that never reaches a macrotask boundary
 * keeps timers and I/O out for as long as the caller loops: measured 2026-11-30, a 3 s loop of
 * `logMetrics` on the SQLite default let a 1 ms host timer fire 0 times.
 *
 * A slice opens at the first call after the event loop had a turn, and ends at the next macrotask
 * (a `setImmediate` queued when it opened). While the slice is younger than its budget, `due()`
 * returns undefined and the work runs at once; past the budget it returns a promise that resolves on
 * the next turn of the loop, after timers and I/O. The cost is one `setImmediate` per slice instead of
 * one per call, which keeps throughput within a few percent of the unsliced code (bench "host impact").
 */
export class TimeSlicer {
  private open = false;
  private started = 0;
  private readonly close = () => {
    this.open = false;
  };

  /** @param budgetMs how long synchronous work may run before the host gets a turn. */
  constructor(readonly budgetMs: number) {}

  /** Undefined when the caller may go on at once; otherwise a promise for the next turn of the loop. */
  due(): Promise<void> | undefined {
    const now = performance.now();
    if (!this.open) {
      this.open = true;
      this.started = now;
      setImmediate(this.close);
      return undefined;
    }
    if (now - this.started < this.budgetMs) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Awaits the next turn when the slice is spent; resolves at once otherwise. */
  async yield(): Promise<void> {
    const wait = this.due();
    if (wait !== undefined) await wait;
  }
}

/**
 * One slicer for the whole process: every library module that does synchronous work shares the
 * same budget, so two of them interleaved cannot each take a full slice before the host runs.
 */
export const hostSlicer = new TimeSlicer(2);
