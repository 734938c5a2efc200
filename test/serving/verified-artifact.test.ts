import { describe, expect, it } from 'vitest';
import { buildMlp } from '../../src/testing/index.js';
import { useEmbeddedRuntime } from '../helpers/embedded-runtime.js';

const model = (bias: number) => buildMlp({ inputSize: 2, layers: [{ weights: [0, 0], bias: [bias], activation: 'none' }] });

describe('serving reads registry artifacts only verified', () => {
  const runtime = useEmbeddedRuntime();

  it('refuses to load, or to hot-swap to, a version whose artifact no longer matches its sha256', async () => {
    const { ml } = runtime;
    const author = ml.as({ id: 'alice', roles: ['data-scientist'] });
    const reviewer = ml.as({ id: 'bob', roles: ['reviewer'] });
    await author.registry.createRegisteredModel({ name: 'tampered' });
    for (const v of [1, 2, 3]) {
      await author.registry.createModelVersion({ name: 'tampered', source: { bytes: await model(v) } });
      await author.registry.requestApproval('tampered', v);
      await reviewer.registry.approve('tampered', v);
    }
    const keys = (await ml.stores.artifacts.list('registry/')).entries.map((e) => e.key).sort();
    expect(keys).toHaveLength(3);
    // Someone with access to the artifact store swaps the files of versions 2 and 3.
    await ml.stores.artifacts.put(keys[1] as string, await model(99));
    await ml.stores.artifacts.put(keys[2] as string, await model(98));

    await expect(ml.serving.load('tampered/2', { follow: false })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('does not match its recorded sha256') });

    await author.registry.setAlias('tampered', 'champion', 1);
    const served = await ml.serving.load('tampered@champion');
    const warnings: string[] = [];
    const off = ml.events.on('warning', (w) => warnings.push(w.message));
    await author.registry.setAlias('tampered', 'champion', 3);
    await expect.poll(() => warnings.find((w) => w.includes('tampered@champion')), { timeout: 5000 }).toContain('does not match its recorded sha256');
    off();
    // Still on version 1, answering with its bias.
    expect(served.version).toBe(1);
    expect(Array.from((await served.predict([[0, 0]])).Y!.data as Float32Array)).toEqual([1]);
    await served.close();
  });
});
