// A change made by another process reaches a serving process: every alias move and a revocation is
// followed, under load, without a failed request. Sub-second through the change signal (PostgreSQL
// NOTIFY / Redis pub/sub); within the polling interval with no signal at all (two runtimes on one SQLite file).
import { describe, expect, it } from 'vitest';
import { createMlops, type Mlops, type ServedModel } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import { startFleet } from '../helpers/fleet.js';
import { PG_URL, REDIS_URL, tempDir } from '../helpers/services.js';

const reviewer = { id: 'prop-reviewer', roles: ['reviewer'] };

/** A model whose output for a zero input is its version number, so the served version is visible. */
function versionModel(v: number): Promise<Uint8Array> {
  return buildMlp({ inputSize: 2, layers: [{ weights: [0, 0], bias: [v], activation: 'none' }] });
}

async function registerVersions(ml: Mlops, name: string, count: number): Promise<void> {
  await ml.registry.createRegisteredModel({ name });
  for (let v = 1; v <= count; v++) {
    await ml.registry.createModelVersion({ name, source: { bytes: await versionModel(v) } });
    await ml.registry.requestApproval(name, v);
    await ml.as(reviewer).registry.approve(name, v);
  }
  await ml.registry.setAlias(name, 'champion', 1);
}

/** Predicts continuously on 4 callers until stopped; counts failures and checks each answer is a version. */
function underLoad(model: ServedModel): { stop: () => Promise<{ ok: number; failed: string[] }> } {
  let stopped = false;
  let ok = 0;
  const failed: string[] = [];
  const callers = Array.from({ length: 4 }, async () => {
    while (!stopped) {
      try {
        await model.predict([[0, 0]]);
        ok += 1;
      } catch (err) {
        failed.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(callers);
      return { ok, failed };
    },
  };
}

/** Milliseconds until the model serves `version`; fails past `limitMs`. */
async function followed(model: ServedModel, version: number, limitMs: number): Promise<number> {
  const started = Date.now();
  while (model.version !== version) {
    if (Date.now() - started > limitMs) throw new Error(`still serving v${model.version} ${limitMs} ms after the move to v${version}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

describe('alias changes made by another process', () => {
  it.skipIf(!PG_URL || !REDIS_URL)('[postgres] [redis] are followed within a second through the change signal, polling every 10 s', async () => {
    const fleet = await startFleet(1, { pollIntervalMs: 10_000 });
    try {
      await registerVersions(fleet.ml, 'prop', 11);
      const model = await fleet.ml.serving.load('prop@champion', { followIntervalMs: 10_000 });
      const load = underLoad(model);
      const took: number[] = [];
      for (let v = 2; v <= 11; v++) {
        const [reply] = await fleet.round([['setAlias', 'prop', 'champion', v]]);
        expect(reply?.ok, reply?.message).toBe(true);
        took.push(await followed(model, v, 1500));
      }
      // Revoking the served version removes the alias: the server falls back to the newest earlier one.
      const [revoked] = await fleet.round([['revoke', 'prop', 11]]);
      expect(revoked?.ok, revoked?.message).toBe(true);
      took.push(await followed(model, 10, 1500));
      const { ok, failed } = await load.stop();
      expect(failed).toEqual([]);
      expect(ok).toBeGreaterThan(100);
      expect(took).toHaveLength(11);
      console.log(`followed in ${took.join(', ')} ms`);
      await model.close();
    } finally {
      await fleet.close();
    }
  }, 120_000);

  it('with no signal (SQLite), are each followed within the polling interval plus load time', async () => {
    const dir = await tempDir('mlops-prop-');
    const pollIntervalMs = 200;
    const server = await createMlops({ dir: dir.path, env: {}, registry: { pollIntervalMs } });
    const mover = await createMlops({ dir: dir.path, env: {}, registry: { pollIntervalMs } });
    try {
      await registerVersions(mover, 'prop', 6);
      const model = await server.serving.load('prop@champion', { followIntervalMs: pollIntervalMs });
      const load = underLoad(model);
      for (let v = 2; v <= 6; v++) {
        await mover.registry.setAlias('prop', 'champion', v);
        await followed(model, v, pollIntervalMs + 1000);
        await new Promise((r) => setTimeout(r, 300));
      }
      await mover.as(reviewer).registry.revoke('prop', 6, { reason: 'bad fills' });
      await followed(model, 5, pollIntervalMs + 1000);
      const { failed } = await load.stop();
      expect(failed).toEqual([]);
      await model.close();
    } finally {
      await server.close();
      await mover.close();
      await dir.remove();
    }
  }, 60_000);
});
