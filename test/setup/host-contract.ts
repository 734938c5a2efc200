/**
 * Runs before every test file (vitest `setupFiles`). The library must never take its host down, so a
 * test fails when anything emits an 'error' event that no listener hears, even where the throw that
 * Node turns it into is caught and swallowed on the way (a library's try/catch, a promise chain).
 * Unhandled rejections and uncaught exceptions already fail the run: the workers run with
 * `--unhandled-rejections=strict` and vitest reports every one of them as an error.
 */
import { EventEmitter } from 'node:events';
import { afterAll, afterEach } from 'vitest';

const PATCHED = Symbol.for('mlops.test.unheardErrors');
type Registry = { unheard: string[] };
const holder = globalThis as unknown as Record<symbol, Registry | undefined>;

let registry = holder[PATCHED];
if (registry === undefined) {
  const created: Registry = { unheard: [] };
  registry = created;
  holder[PATCHED] = created;
  const emit = EventEmitter.prototype.emit;
  EventEmitter.prototype.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' && this.listenerCount('error') === 0) {
      const err = args[0];
      created.unheard.push(`${this.constructor?.name ?? 'EventEmitter'}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    return emit.call(this, event, ...args);
  } as typeof emit;
}
const unheard = registry.unheard;

function failOnUnheard(): void {
  if (unheard.length === 0) return;
  const list = unheard.splice(0).join('\n  ');
  throw new Error(`'error' emitted with no listener (this would crash a host process):\n  ${list}`);
}

afterEach(failOnUnheard);
afterAll(failOnUnheard);
