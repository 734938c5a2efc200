import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createMlops, type Mlops, type SwapEvent } from '../../src/index.js';
import { buildMlp } from '../../src/testing/index.js';
import { tempDir } from '../helpers/services.js';

/** A one-layer model whose output is `bias` for an all-zero input: the served version is visible. */
function versionModel(bias: number): Promise<Uint8Array> {
  return buildMlp({ inputSize: 2, layers: [{ weights: [0, 0], bias: [bias], activation: 'none' }] });
}

describe('hot swap by alias', () => {
  let ml: Mlops;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const dir = await tempDir();
    remove = dir.remove;
    ml = await createMlops({ dir: dir.path, env: {} });
    const author = ml.as({ id: 'alice', roles: ['data-scientist'] });
    const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
    await author.registry.createRegisteredModel({ name: 'swap' });
    for (let v = 1; v <= 4; v++) {
      await author.registry.createModelVersion({ name: 'swap', source: { bytes: await versionModel(v) } });
      await author.registry.requestApproval('swap', v);
      await reviewer.registry.approve('swap', v);
    }
    await author.registry.setAlias('swap', 'champion', 1);
  });
  afterAll(async () => {
    await ml.close();
    await remove();
  });

  it('follows three alias moves under continuous load without a failed request, then falls back on revocation', async () => {
    const release = vi.spyOn((ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype, 'release');
    const model = await ml.serving.load('swap@champion', { batching: { maxBatchSize: 32, maxDelayMicros: 100 } });
    const swaps: SwapEvent[] = [];
    model.on('swap', (e) => swaps.push(e));
    let stop = false;
    let failures = 0;
    let ok = 0;
    const seen = new Set<number>();
    const load = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          const out = await model.predict([[0, 0]]);
          seen.add(Math.round(out.Y!.data[0] as number));
          ok += 1;
        } catch {
          failures += 1;
        }
        await new Promise((r) => setImmediate(r));
      }
    });
    const waitFor = async (version: number) => {
      for (let i = 0; i < 200 && model.version !== version; i++) await new Promise((r) => setTimeout(r, 5));
      expect(model.version).toBe(version);
      // Let traffic run on the new version for a moment.
      await new Promise((r) => setTimeout(r, 30));
    };
    for (const v of [2, 3, 4]) {
      await ml.registry.setAlias('swap', 'champion', v);
      await waitFor(v);
    }
    // Revoking v4 removes the alias: serving falls back to v3, the newest earlier approved version.
    await ml.as({ id: 'bob', roles: ['reviewer'] }).registry.revoke('swap', 4, { reason: 'bad fills' });
    await waitFor(3);
    stop = true;
    await Promise.all(load);
    expect(failures).toBe(0);
    expect(ok).toBeGreaterThan(50);
    expect([...seen].sort()).toEqual([1, 2, 3, 4]);
    expect(swaps.map((s) => [s.from, s.to, s.reason])).toEqual([
      [1, 2, 'alias-moved'],
      [2, 3, 'alias-moved'],
      [3, 4, 'alias-moved'],
      [4, 3, 'revoked-fallback'],
    ]);
    expect(Math.round((await model.predict([[0, 0]])).Y!.data[0] as number)).toBe(3);
    // Each swapped-out session was released once its last batch finished; close releases the fifth.
    await new Promise((r) => setTimeout(r, 20));
    expect(release).toHaveBeenCalledTimes(4);
    await model.close();
    expect(release).toHaveBeenCalledTimes(5);
    release.mockRestore();
  });
});

describe('routing', () => {
  it('splits by weight, sticks by key, mirrors to a shadow whose outputs are never returned', async () => {
    const dir = await tempDir();
    const ml = await createMlops({ dir: dir.path, env: {} });
    try {
      const champion = await ml.serving.load({ bytes: await versionModel(1), name: 'champ' });
      const challenger = await ml.serving.load({ bytes: await versionModel(2), name: 'chall' });
      const shadow = await ml.serving.load({ bytes: await versionModel(9), name: 'shadow' });
      const shadowOutputs: number[] = [];
      ml.events.on('serving.shadow', (e) => shadowOutputs.push(Math.round(e.outputs.Y!.data[0] as number)));
      const router = ml.serving.router('signal', { routes: [{ name: 'champion', model: champion, weight: 0.8 }, { name: 'challenger', model: challenger, weight: 0.2 }], shadow: { model: shadow } });
      const seen: Record<string, number> = { champion: 0, challenger: 0 };
      for (let i = 0; i < 400; i++) {
        const out = await router.predict([[0, 0]]);
        const value = Math.round(out.Y!.data[0] as number);
        expect(value).not.toBe(9);
        seen[router.lastRoute!] = (seen[router.lastRoute!] ?? 0) + 1;
        expect(value).toBe(router.lastRoute === 'champion' ? 1 : 2);
      }
      expect(seen.champion).toBeGreaterThan(260);
      expect(seen.challenger).toBeGreaterThan(40);
      const sticky = new Set<string>();
      for (let i = 0; i < 20; i++) {
        await router.predict([[0, 0]], { key: 'account-42' });
        sticky.add(router.lastRoute!);
      }
      expect(sticky.size).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      expect(shadowOutputs.length).toBe(420);
      expect(new Set(shadowOutputs)).toEqual(new Set([9]));
      expect(await ml.metrics.text()).toMatch(/mlops_route_predictions_total\{model="signal",route="challenger"\} \d+/);
      expect(() => ml.serving.router('x', { routes: [{ name: 'a', model: champion, weight: 0 }] })).toThrow(/weights add up to 0/);
      expect(() => ml.serving.router('x', { routes: [{ name: 'a', model: champion, weight: -1 }] })).toThrow(/routes\[0\]\.weight/);
    } finally {
      await ml.close();
      await dir.remove();
    }
  });
});
