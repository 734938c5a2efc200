/**
 * A FIFO lock for async work. SQLite has one connection per driver, so a transaction that awaits
 * (a blob write, say) must keep every other statement out until it ends.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** True while someone holds or waits for the lock. */
  get busy(): boolean {
    return this.holders > 0;
  }

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.holders += 1;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      return await fn();
    } finally {
      this.holders -= 1;
      release();
    }
  }
}
