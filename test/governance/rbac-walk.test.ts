import { describe, expect, it } from 'vitest';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

/**
 * Every public method of every facade checks RBAC. The facades and their methods are found by
 * reflection, so a method or facade added later is walked without anyone remembering to list it:
 * a facade is any getter of `Mlops` that returns an object acting for the principal `ml.as(p)` gave.
 */
const NOBODY = { id: 'nobody', roles: [] as string[] };

/** Arguments that pass the cheap shape checks of most methods, so a missing permission check shows. */
const ARGS: unknown[] = ['m', 1, { reason: 'r', name: 'm', view: 'v', features: ['v:f'], entities: [{ k: 'x' }], entityRows: [{ k: 'x', event_ts: 1 }] }];

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const result = call();
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') await result;
    return 'returned';
  } catch (err) {
    return err;
  }
}

describe('RBAC on every facade method', () => {
  const runtime = useEmbeddedRuntime();

  it('answers PERMISSION_DENIED to a principal with no roles on every public method of every facade', async () => {
    const nobody = runtime.ml.as(NOBODY);
    const facades: Array<[string, object]> = [];
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(nobody) as object))) {
      if (descriptor.get === undefined) continue;
      const value: unknown = descriptor.get.call(nobody);
      if (value !== null && typeof value === 'object' && (value as { principal?: unknown }).principal === nobody.principal) facades.push([name, value]);
    }
    // The walk must find the facades it is meant to guard, or it proves nothing.
    expect(facades.map(([name]) => name)).toEqual(expect.arrayContaining(['tracking', 'registry', 'features', 'monitoring', 'serving', 'audit']));
    const unguarded: string[] = [];
    let walked = 0;
    for (const [facadeName, facade] of facades) {
      const proto = Object.getPrototypeOf(facade) as object;
      for (const [method, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (method === 'constructor' || typeof descriptor.value !== 'function') continue;
        // TypeScript's `private` does not exist at run time, so private methods are walked too;
        // facades keep their helpers as module functions, or as `allow` checks that deny anyway.
        walked += 1;
        const result = await outcome(() => (descriptor.value as (...a: unknown[]) => unknown).apply(facade, ARGS));
        if ((result as { code?: unknown })?.code !== 'PERMISSION_DENIED') unguarded.push(`${facadeName}.${method} -> ${result instanceof Error ? `${(result as { code?: string }).code ?? result.name}: ${result.message}` : String(result)}`);
      }
    }
    expect(walked).toBeGreaterThan(60);
    expect(unguarded).toEqual([]);
  });
});
