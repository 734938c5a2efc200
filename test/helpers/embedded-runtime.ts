import { afterAll, beforeAll } from 'vitest';
import { createMlops, type Mlops, type MlopsOptions } from '../../src/index.js';
import { tempDir } from './services.js';

/** A runtime on the embedded stores in a temporary folder for one describe block, removed after it. */
export function useEmbeddedRuntime(options: MlopsOptions = {}): { readonly ml: Mlops } {
  const state: { ml?: Mlops; remove?: () => Promise<void> } = {};
  beforeAll(async () => {
    const dir = await tempDir();
    state.remove = dir.remove;
    state.ml = await createMlops({ dir: dir.path, env: {}, ...options });
  });
  afterAll(async () => {
    await state.ml?.close();
    await state.remove?.();
  });
  return {
    get ml(): Mlops {
      if (state.ml === undefined) throw new Error('the runtime is created in beforeAll');
      return state.ml;
    },
  };
}
