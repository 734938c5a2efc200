import { EventEmitter } from 'eventemitter3';
/**
 * Core's own events. Each domain module declares its events in its `events.ts` (`TrackingEvents`,
 * `RegistryEvents`, …) and types its bus with the maps it emits and listens to; runtime.ts joins
 * them all into `MlopsEvents`. So core imports nothing of theirs and every listener is still typed.
 * (Not `declare module '../core/events.js'` merging: tsup's bundled .d.ts keeps that relative
 * specifier, which no longer names a file there, and users would lose the module events' types.)
 * Each payload is one object, so fields can be added without breaking listeners.
 */
export interface CoreEvents {
  /** A store or provider could not be used as asked and the runtime fell back; never fatal. */
  warning: [{ source: string; message: string; cause?: unknown }];
  /** The runtime is closing; modules release what they hold. */
  close: [];
}

type EventArgs<E, K extends keyof E> = E[K] extends unknown[] ? E[K] : never;

/** A typed event bus on eventemitter3. Listener errors are not swallowed: they surface to the emitter. */
export class EventBus<E extends { [K in keyof E]: unknown[] } = CoreEvents> {
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
