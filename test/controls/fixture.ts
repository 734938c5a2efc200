import { afterEach, beforeEach } from 'vitest';
import { type Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import type { Backend } from '../helpers/runtimes.js';

export const AUTHOR = { id: 'alice', roles: ['data-scientist'] };
export const REVIEWER = { id: 'bob', roles: ['reviewer'] };
export const RISK = { id: 'rita', roles: ['risk'] };
export const RISK2 = { id: 'ravi', roles: ['risk'] };

/** Y = x0 + x1 (+ bias): what a request answers shows that the model ran. */
export function sumModel(bias = 0): Promise<Uint8Array> {
  return buildMlp({ inputSize: 2, layers: [{ weights: [1, 1], bias: [bias], activation: 'none' }] });
}

/** Registers `name` with `versions` approved versions and points champion at the first. */
export async function registerApproved(ml: Mlops, name: string, versions = 1, options: { runId?: string } = {}): Promise<void> {
  const author = ml.as(AUTHOR);
  const reviewer = ml.as(REVIEWER);
  await author.registry.createRegisteredModel({ name });
  for (let v = 1; v <= versions; v++) {
    await author.registry.createModelVersion({ name, source: { bytes: await sumModel(v - 1) } });
    await author.registry.requestApproval(name, v);
    await reviewer.registry.approve(name, v);
  }
  void options;
  await author.registry.setAlias(name, 'champion', 1);
}

/** A fresh runtime on `backend` for each test (skipped when the backend's service is absent); `setup` runs first. */
export function runtimePerTest(backend: Backend, setup: (ml: Mlops) => Promise<void>): void {
  let close: (() => Promise<void>) | undefined;
  beforeEach(async ({ skip }) => {
    if (backend.skip) skip();
    const opened = await backend.open();
    close = opened.close;
    await setup(opened.ml);
  });
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
}
