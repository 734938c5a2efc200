import type { KvResetInfo } from '../adapters/kv/types.js';
import type { FeaturesContext } from './context.js';
import type { Definitions } from './definitions.js';
import { materializeView } from './materialize.js';

/** A failed refill is tried again this often (ms), at most this many times, while the runtime is open. */
const RETRY_MS = 1000;
const MAX_ATTEMPTS = 60;

/**
 * Refills an online store that came back empty (a Redis restarted without persistence, noticed by
 * its marker key): every view with both stores gets the newest offline row per entity within its
 * ttl (all history when the ttl is 0), without moving the materialization watermark. Writes are
 * newer-wins, so pushes made meanwhile are kept. While it runs, reads with the `offline` policy are
 * served from the offline store.
 */
export class OnlineRecovery {
  /** True from the moment a reset is noticed until the refill has finished. */
  restoring = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly resets;

  constructor(
    private readonly ctx: FeaturesContext,
    private readonly definitions: () => Definitions,
    private readonly afterRefill: () => void,
  ) {
    this.resets = ctx.metrics.counter({
      name: 'feature_online_resets_total',
      help: 'Times the online store was found empty after a restart and refilled from the offline store, by outcome',
      labelNames: ['outcome'] as const,
    });
    this.unsubscribe = ctx.kv.onReset?.((info) => this.onReset(info));
  }

  private onReset(info: KvResetInfo): void {
    if (this.closed) return;
    this.ctx.events.emit('features.online.reset', { reason: info.reason });
    if (this.restoring) {
      this.again = true;
      return;
    }
    this.restoring = true;
    this.start(0);
  }

  /**
   * Runs a refill in the background. Its failures are reported as warnings and tried again; only an
   * event listener that throws can still reject it, and with no caller to hand that to, it must not
   * become an unhandled rejection in the host.
   */
  private start(attempt: number): void {
    this.refill(attempt).catch(() => undefined);
  }

  private async refill(attempt: number): Promise<void> {
    const started = Date.now();
    const written: Record<string, number> = {};
    try {
      const now = this.ctx.clock.now();
      for (const view of this.definitions().views.values()) {
        if (!view.online || !view.offline || this.closed) continue;
        const start = view.ttlMs > 0 ? now - view.ttlMs : 0;
        written[view.name] = await materializeView(this.ctx, this.definitions(), view, start, Number.MAX_SAFE_INTEGER, () => undefined, false);
      }
      this.afterRefill();
    } catch (err) {
      if (this.closed) return;
      this.resets.inc({ outcome: 'failed' });
      this.ctx.events.emit('warning', { source: 'features', message: `Refilling the online store failed (attempt ${attempt + 1}): ${(err as Error).message}`, cause: err });
      if (attempt + 1 >= MAX_ATTEMPTS) {
        this.restoring = false;
        return;
      }
      this.timer = setTimeout(() => this.start(attempt + 1), RETRY_MS);
      this.timer.unref();
      return;
    }
    if (this.again && !this.closed) {
      // Reset again while refilling: what was written may be gone too.
      this.again = false;
      return this.refill(0);
    }
    this.restoring = false;
    this.resets.inc({ outcome: 'restored' });
    // Outside the try: a listener that throws is the listener's failure, not a failed refill.
    this.ctx.events.emit('features.online.restored', { views: written, durationMs: Date.now() - started });
  }

  close(): void {
    this.closed = true;
    this.restoring = false;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
  }
}
