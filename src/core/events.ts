import { EventEmitter } from 'eventemitter3';
import type { DriftReport } from '../monitoring/drift.js';

/**
 * Events the runtime emits. Domain modules add their events here so that every listener is typed.
 * Each payload is one object, so fields can be added without breaking listeners.
 */
export interface MlopsEvents {
  /** A store or provider could not be used as asked and the runtime fell back; never fatal. */
  warning: [{ source: string; message: string; cause?: unknown }];
  /** The runtime is closing; modules release what they hold. */
  close: [];
  'tracking.run.created': [{ runId: string; experimentId: string }];
  'tracking.run.updated': [{ runId: string; status: string }];
  'registry.model.renamed': [{ from: string; to: string }];
  'features.pushed': [{ view: string; rows: ReadonlyArray<Record<string, unknown>>; to: string }];
  'features.materialize.progress': [{ view: string; written: number; start: number; end: number }];
  /** The online store came back empty (a Redis restarted without persistence); a refill starts. */
  'features.online.reset': [{ reason: string }];
  /** The refill after a reset finished: entities written per view. */
  'features.online.restored': [{ views: Record<string, number>; durationMs: number }];
  'serving.shadow': [{ model: string; route: string; version: number | null; outputs: Record<string, { data: ArrayLike<unknown>; dims: number[]; type: string }> }];
  'monitoring.report': [{ model: string; report: DriftReport }];
  'drift.detected': [{ model: string; report: DriftReport }];
  'registry.version.created': [{ name: string; version: number; status: string }];
  'registry.approval.changed': [{ name: string; version: number; from: string; to: string; actor: string; reason?: string }];
  'registry.alias.set': [{ name: string; alias: string; version: number; previousVersion?: number }];
  'registry.alias.removed': [{ name: string; alias: string; version: number; cause: 'deleted' | 'revoked' }];
}

type EventArgs<E, K extends keyof E> = E[K] extends unknown[] ? E[K] : never;

/** A typed event bus on eventemitter3. Listener errors are not swallowed: they surface to the emitter. */
export class EventBus<E extends { [K in keyof E]: unknown[] } = MlopsEvents> {
  private readonly emitter = new EventEmitter();

  on<K extends keyof E & string>(event: K, listener: (...args: EventArgs<E, K>) => void): () => void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  once<K extends keyof E & string>(event: K, listener: (...args: EventArgs<E, K>) => void): () => void {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return () => this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  off<K extends keyof E & string>(event: K, listener: (...args: EventArgs<E, K>) => void): void {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof E & string>(event: K, ...args: EventArgs<E, K>): boolean {
    return this.emitter.emit(event, ...args);
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }

  removeAllListeners(): void {
    this.emitter.removeAllListeners();
  }
}
