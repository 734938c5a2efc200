import { describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { AUTHOR, REVIEWER, registerApproved, sumModel, runtimePerTest } from './fixture.js';

describe.each(BACKENDS)('output guards on $name', (backend) => {
  let ml: Mlops;
  runtimePerTest(backend, async (opened) => {
    ml = opened;
    await registerApproved(ml, 'sig');
  });

  const y = (out: Awaited<ReturnType<Awaited<ReturnType<Mlops['serving']['load']>>['predict']>>) => Array.from(out.Y!.data as Float32Array);

  it('reject refuses the request, counts the violation, emits an event and audits it with the input hash', async () => {
    const events: unknown[] = [];
    ml.events.on('controls.guard.violation', (e) => events.push(e));
    const model = await ml.serving.load('sig@champion', { guards: { Y: { min: -10, max: 10 } } });
    expect(y(await model.predict([[1, 2]]))).toEqual([3]);
    await expect(model.predict([[20, 1]])).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/Y\[0\] = 21 breaks max \(max 10\)/) });
    expect(events).toEqual([{ model: 'sig', version: 1, output: 'Y', guard: 'max', value: 21, action: 'reject' }]);
    expect(await ml.metrics.text()).toMatch(/mlops_guard_violations_total\{model="sig",output="Y",guard="max"\} 1/);
    for (let i = 0; i < 50 && (await ml.audit.query({ action: 'controls.guard_violation' })).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const [record] = await ml.audit.query({ action: 'controls.guard_violation' });
    expect(record?.details).toMatchObject({ version: 1, output: 'Y', guard: 'max', value: 21, action: 'reject', inputSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('clamp answers the limit; maxAbsChange limits the step from the previous answer', async () => {
    const model = await ml.serving.load('sig@champion', { guards: { Y: { min: -5, max: 5, maxAbsChange: 2 } }, onViolation: 'clamp' });
    expect(y(await model.predict([[0, 1]]))).toEqual([1]);
    expect(y(await model.predict([[2, 2]]))).toEqual([3]);
    // 8 is above max (5) and 5 steps from 3: answered 5 (max), then 3+2 applies too: min(5, 5) = 5.
    expect(y(await model.predict([[4, 4]]))).toEqual([5]);
    // -5 after 5 is a step of 10: clamped to 5 - 2 = 3.
    expect(y(await model.predict([[-3, -2]]))).toEqual([3]);
  });

  it('finite catches NaN; clamp cannot clamp it and refuses; fallback answers the fixed answer for that row only', async () => {
    const clamp = await ml.serving.load('sig@champion', { name: 'a', guards: { Y: { finite: true, max: 100 } }, onViolation: 'clamp' });
    await expect(clamp.predict([[Number.NaN, 1]])).rejects.toThrow(/breaks finite/);
    const fallback = await ml.serving.load('sig@champion', { name: 'b', guards: { Y: { finite: true, max: 100 } }, onViolation: 'fallback', whenHalted: { outputs: { Y: [0] } } });
    expect(y(await fallback.predict([[1, 1], [Number.NaN, 1], [200, 1]]))).toEqual([2, 0, 0]);
  });

  it('guards stored with a version at registration apply to every service that loads it', async () => {
    await ml.as(AUTHOR).registry.createModelVersion({ name: 'sig', source: { bytes: await sumModel() }, guards: { Y: { max: 1 } }, onViolation: 'clamp' });
    await ml.as(AUTHOR).registry.requestApproval('sig', 2);
    await ml.as(REVIEWER).registry.approve('sig', 2);
    const model = await ml.serving.load('sig/2');
    expect(y(await model.predict([[3, 3]]))).toEqual([1]);
    // Options at load win over the stored ones.
    const strict = await ml.serving.load('sig/2', { name: 'strict', guards: { Y: { max: 1 } } });
    await expect(strict.predict([[3, 3]])).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it('a model following an alias takes the guards stored with the version it swaps to', async () => {
    await ml.as(AUTHOR).registry.createModelVersion({ name: 'sig', source: { bytes: await sumModel() }, guards: { Y: { max: 1 } }, onViolation: 'clamp' });
    await ml.as(AUTHOR).registry.requestApproval('sig', 2);
    await ml.as(REVIEWER).registry.approve('sig', 2);
    const model = await ml.serving.load('sig@champion', { followIntervalMs: 50 });
    expect(y(await model.predict([[3, 3]]))).toEqual([6]);
    await ml.as(AUTHOR).registry.setAlias('sig', 'champion', 2);
    let answer = 6;
    for (let i = 0; i < 200 && answer !== 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
      answer = y(await model.predict([[3, 3]]))[0] as number;
    }
    expect(model.version).toBe(2);
    expect(answer).toBe(1);
  });

  it('refuses guards on outputs the model does not have, bad limits and policies, at load and at registration, writing nothing', async () => {
    await expect(ml.serving.load('sig@champion', { guards: { Z: { max: 1 } } })).rejects.toThrow(/Invalid guards\.Z: the model has no output Z/);
    await expect(ml.serving.load('sig@champion', { guards: { Y: { min: 2, max: 1 } } })).rejects.toThrow(/guards\.Y: min 2 is above max 1/);
    await expect(ml.serving.load('sig@champion', { guards: { Y: { maxx: 1 } as never } })).rejects.toThrow(/guards\.Y\.maxx/);
    await expect(ml.serving.load('sig@champion', { guards: { Y: { max: 1 } }, onViolation: 'ignore' as never })).rejects.toThrow(/Invalid onViolation/);
    await expect(ml.serving.load('sig@champion', { guards: { Y: { max: 1 } }, onViolation: 'fallback' })).rejects.toThrow(/whenHalted/);
    expect(ml.serving.list()).toHaveLength(0);
    await expect(ml.as(AUTHOR).registry.createModelVersion({ name: 'sig', source: { bytes: await sumModel() }, guards: { Q: { max: 1 } } })).rejects.toThrow(/guards\.Q/);
    expect((await ml.registry.getRegisteredModel('sig')).latestVersion).toBe(1);
  });
});
