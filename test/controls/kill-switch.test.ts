import { describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/services.js';
import { AUTHOR, REVIEWER, RISK, RISK2, registerApproved, runtimePerTest } from './fixture.js';

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe.each(BACKENDS)('kill switch on $name', (backend) => {
  let ml: Mlops;
  runtimePerTest(backend, async (opened) => {
    ml = opened;
    await registerApproved(ml, 'sig', 2);
    await ml.registry.setAlias('sig', 'challenger', 2);
  });

  it('a halted model answers HALTED at once, a resume by another principal restores it, both audited with the reason', async () => {
    const model = await ml.serving.load('sig@champion');
    expect((await model.predict([[1, 2]])).Y!.data[0]).toBe(3);
    const halt = await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'runaway orders' });
    expect(halt).toMatchObject({ target: { model: 'sig' }, haltedBy: 'rita', reason: 'runaway orders' });
    await expect(model.predict([[1, 2]])).rejects.toMatchObject({ code: 'HALTED', message: expect.stringContaining('runaway orders') });
    expect(ml.controls.status()).toMatchObject({ anyHalted: true, halted: [{ target: { model: 'sig' }, haltedBy: 'rita' }] });
    // Four eyes: the halter may not resume; another risk officer may.
    expect(await code(ml.as(RISK).controls.resume({ model: 'sig' }, { reason: 'fixed' }))).toBe('PERMISSION_DENIED');
    await expect(model.predict([[1, 2]])).rejects.toMatchObject({ code: 'HALTED' });
    await ml.as(RISK2).controls.resume({ model: 'sig' }, { reason: 'limits reset' });
    expect((await model.predict([[1, 2]])).Y!.data[0]).toBe(3);
    expect(ml.controls.status().anyHalted).toBe(false);
    const records = await ml.audit.query({ resource: 'sig' });
    expect(records.filter((r) => r.action.startsWith('controls.')).map((r) => [r.action, r.actor, r.reason])).toEqual([
      ['controls.halt', 'rita', 'runaway orders'],
      ['controls.resume', 'ravi', 'limits reset'],
    ]);
    expect((await ml.audit.verify()).ok).toBe(true);
  });

  it('a request already waiting for its batch when the halt lands is not answered', async () => {
    // A long batching delay keeps the request queued while the halt is written.
    const model = await ml.serving.load('sig@champion', { batching: { maxBatchSize: 64, maxDelayMicros: 500_000 } });
    const queued = model.predict([[1, 2]]);
    await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'mid-batch' });
    await expect(queued).rejects.toMatchObject({ code: 'HALTED' });
  });

  it('an admin may resume their own halt with a reason', async () => {
    await ml.controls.halt({ all: true }, { reason: 'exchange outage' });
    await ml.controls.resume({ all: true }, { reason: 'exchange back, checked fills' });
    const [resume] = (await ml.audit.query({ action: 'controls.resume' })).slice(-1);
    expect(resume?.details).toMatchObject({ target: '*', selfResumedAsAdmin: true });
  });

  it('halting a route stops only the model loaded by that alias; { all: true } stops everything', async () => {
    const champion = await ml.serving.load('sig@champion');
    const challenger = await ml.serving.load('sig@challenger', { name: 'sig-challenger' });
    await ml.as(RISK).controls.halt({ model: 'sig', route: 'challenger' }, { reason: 'challenger misbehaves' });
    expect((await champion.predict([[1, 1]])).Y!.data[0]).toBe(2);
    await expect(challenger.predict([[1, 1]])).rejects.toMatchObject({ code: 'HALTED' });
    await ml.as(RISK).controls.halt({ all: true }, { reason: 'market halt' });
    await expect(champion.predict([[1, 1]])).rejects.toMatchObject({ code: 'HALTED' });
  });

  it('whenHalted answers a fixed safe answer instead of HALTED, per row', async () => {
    const model = await ml.serving.load('sig@champion', { whenHalted: { outputs: { Y: [0] } } });
    await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'flat' });
    const out = await model.predict([[5, 5], [6, 6], [7, 7]]);
    expect(Array.from(out.Y!.data as Float32Array)).toEqual([0, 0, 0]);
    expect(out.Y!.dims).toEqual([3, 1]);
  });

  it('refuses bad input, naming the field, and writes nothing', async () => {
    const risk = ml.as(RISK);
    const before = (await ml.audit.verify()).checked;
    expect(await code(risk.controls.halt({ model: 'nope' }, { reason: 'x' }))).toBe('NOT_FOUND');
    await expect(risk.controls.halt({ modle: 'sig' } as never, { reason: 'x' })).rejects.toThrow(/target\.modle/);
    await expect(risk.controls.halt({ all: false } as never, { reason: 'x' })).rejects.toThrow(/Invalid target/);
    await expect(risk.controls.halt({ model: 'sig' }, { reason: ' ' })).rejects.toThrow(/Invalid reason/);
    await expect(risk.controls.halt({ model: 'sig', route: 'latest' }, { reason: 'x' })).rejects.toThrow(/target\.route/);
    expect(await code(risk.controls.resume({ model: 'sig' }, { reason: 'x' }))).toBe('FAILED_PRECONDITION');
    // whenHalted must match the outputs.
    await expect(ml.serving.load('sig@champion', { whenHalted: { outputs: { Z: [0] } } as never })).rejects.toThrow(/whenHalted\.outputs\.Z/);
    await expect(ml.serving.load('sig@champion', { whenHalted: { outputs: { Y: [0, 1] } } })).rejects.toThrow(/whenHalted\.outputs\.Y: 2 value/);
    await expect(ml.serving.load('sig@champion', { whenHalted: { outputs: {} } })).rejects.toThrow(/whenHalted\.outputs\.Y: missing/);
    expect(ml.serving.list()).toHaveLength(0);
    expect((await ml.audit.verify()).checked).toBe(before);
    expect(ml.controls.status().anyHalted).toBe(false);
  });

  it('a rename carries the halt (copied: the old name stays halted) and the approval policy', async () => {
    await ml.registry.setPolicy('sig', { requires: [{ approvers: 2 }] });
    await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'before rename' });
    await ml.registry.renameRegisteredModel('sig', 'sig2');
    for (let i = 0; i < 100 && ml.controls.status().halted.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const model = await ml.serving.load('sig2@champion');
    await expect(model.predict([[1, 2]])).rejects.toMatchObject({ code: 'HALTED' });
    expect(ml.controls.status().halted.map((h) => h.target)).toEqual(expect.arrayContaining([{ model: 'sig' }, { model: 'sig2' }]));
    expect(await ml.registry.getPolicy('sig2')).toMatchObject({ requires: [{ approvers: 2 }] });
  });

  it('needs the halt permission: a data scientist and a service may not halt; risk, reviewer and admin may', async () => {
    expect(await code(ml.as(AUTHOR).controls.halt({ model: 'sig' }, { reason: 'x' }))).toBe('PERMISSION_DENIED');
    expect(await code(ml.as({ id: 'svc', roles: ['service'] }).controls.halt({ model: 'sig' }, { reason: 'x' }))).toBe('PERMISSION_DENIED');
    await ml.as(REVIEWER).controls.halt({ model: 'sig' }, { reason: 'x' });
    await ml.as(RISK).controls.resume({ model: 'sig' }, { reason: 'y' });
  });
});

describe('controls configuration', () => {
  it('a bad poll interval fails createMlops before anything is opened, naming the field', async () => {
    await expect(createMlops({ dir: '/nonexistent/never', env: {}, controls: { pollIntervalMs: -1 } })).rejects.toThrow(/Invalid controls\.pollIntervalMs: -1/);
  });
});

describe('halts survive a restart', () => {
  it('a process that loads a halted model starts halted', async () => {
    const dir = await tempDir();
    try {
      const first = await createMlops({ dir: dir.path, env: {} });
      await registerApproved(first, 'sig');
      await first.as(RISK).controls.halt({ model: 'sig' }, { reason: 'overnight' });
      await first.close();
      const second = await createMlops({ dir: dir.path, env: {}, controls: { pollIntervalMs: 0 } });
      const model = await second.serving.load('sig@champion');
      await expect(model.predict([[1, 2]])).rejects.toMatchObject({ code: 'HALTED' });
      expect(second.controls.status().halted).toHaveLength(1);
      await second.close();
    } finally {
      await dir.remove();
    }
  });
});
