import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/services.js';

const alice = { id: 'alice', roles: ['data-scientist'] };
const bob = { id: 'bob', roles: ['reviewer'] };
const carol = { id: 'carol', roles: ['reviewer', 'data-scientist'] };

async function model(seed = 1): Promise<Uint8Array> {
  return buildMlp({ inputSize: 3, layers: [{ weights: [seed, 2, 3, 4, 5, 6], bias: [0.1, 0.2] }, { weights: [1, -1], bias: [0.5], activation: 'sigmoid' }] });
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`registry on ${backend.name}`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('registers a version from bytes with sha256, size and the ONNX signature', async () => {
      const a = ml.as(alice);
      await a.registry.createRegisteredModel({ name: 'sig-model', description: 'signal', tags: { desk: 'eq' } });
      const bytes = await model();
      const mv = await a.registry.createModelVersion({ name: 'sig-model', source: { bytes }, description: 'first' });
      expect(mv).toMatchObject({ name: 'sig-model', version: 1, status: 'READY', approval: 'draft', size: bytes.byteLength, createdBy: 'alice', source: 'bytes', format: 'onnx' });
      expect(mv.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(mv.signature?.inputs).toEqual([{ name: 'X', kind: 'tensor', elementType: 'float32', shape: ['batch', 3] }]);
      expect(mv.signature?.outputs).toEqual([{ name: 'Y', kind: 'tensor', elementType: 'float32', shape: ['batch', 1] }]);
      const second = await a.registry.createModelVersion({ name: 'sig-model', source: { bytes: await model(2) } });
      expect(second.version).toBe(2);
      expect((await ml.registry.getRegisteredModel('sig-model')).latestVersion).toBe(2);
    });

    it('registers from a run artifact and from a file, linked to the run', async () => {
      await ml.registry.createRegisteredModel({ name: 'from-run' });
      const run = await ml.tracking.startRun({ name: 'trainer' });
      await run.logArtifact('model/model.onnx', await model(3));
      const mv = await ml.registry.createModelVersion({ name: 'from-run', source: { runId: run.runId, path: 'model/model.onnx' } });
      expect(mv).toMatchObject({ runId: run.runId, source: `runs:/${run.runId}/model/model.onnx`, status: 'READY' });
      const dir = await tempDir();
      try {
        const file = join(dir.path, 'm.onnx');
        await writeFile(file, await model(4));
        expect((await ml.registry.createModelVersion({ name: 'from-run', source: { file } })).version).toBe(2);
        await expect(ml.registry.createModelVersion({ name: 'from-run', source: { file: join(dir.path, 'missing.onnx') } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } finally {
        await dir.remove();
      }
      await expect(ml.registry.createModelVersion({ name: 'from-run', source: { runId: run.runId, path: 'nope.onnx' } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const found = await ml.registry.searchModelVersions({ filter: `run_id = '${run.runId}'` });
      expect(found.modelVersions.map((v) => `${v.name}/${v.version}`)).toEqual(['from-run/1']);
    });

    it('refuses files that are not ONNX, and bad names, without creating anything', async () => {
      await ml.registry.createRegisteredModel({ name: 'strict' });
      await expect(ml.registry.createModelVersion({ name: 'strict', source: { bytes: Buffer.from('{"weights": [1,2,3]}') } })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('not a valid ONNX model'),
      });
      await expect(ml.registry.createModelVersion({ name: 'strict', source: { bytes: new Uint8Array([8, 1]) } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await ml.registry.getRegisteredModel('strict')).latestVersion).toBeNull();
      const opaque = await ml.registry.createModelVersion({ name: 'strict', source: { bytes: Buffer.from('{}') }, format: 'opaque' });
      expect(opaque).toMatchObject({ version: 1, signature: null, format: 'opaque' });
      for (const name of ['', 'a/b', 'a:b', 'a@b', ' lead', 'x'.repeat(257)]) {
        await expect(ml.registry.createRegisteredModel({ name }), name).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      await expect(ml.registry.createRegisteredModel({ name: 'strict' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
      await expect(ml.registry.createModelVersion({ name: 'no-such-model', source: { bytes: await model() } })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ml.registry.createModelVersion({ name: 'strict', source: { path: 'x' } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('runs the whole approval lifecycle with four eyes, recording actor, time and reason', async () => {
      const a = ml.as(alice);
      const b = ml.as(bob);
      const c = ml.as(carol);
      await a.registry.createRegisteredModel({ name: 'life' });
      await a.registry.createModelVersion({ name: 'life', source: { bytes: await model() } });
      await expect(b.registry.approve('life', 1)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('draft') });
      await c.registry.requestApproval('life', 1, { reason: 'backtest ok' });
      // The creator cannot approve (she also lacks the role); the requester cannot approve either.
      await expect(a.registry.approve('life', 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(c.registry.approve('life', 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('Four-eyes') });
      await expect(b.registry.reject('life', 1, { reason: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await b.registry.reject('life', 1, { reason: 'drawdown too high' });
      await c.registry.requestApproval('life', 1, { reason: 'retuned' });
      const approved = await b.registry.approve('life', 1, { reason: 'looks good' });
      expect(approved.approval).toBe('approved');
      const history = await ml.registry.getApprovalHistory('life', 1);
      expect(history.map((h) => [h.from, h.to, h.actor, h.reason])).toEqual([
        ['draft', 'pending_approval', 'carol', 'backtest ok'],
        ['pending_approval', 'rejected', 'bob', 'drawdown too high'],
        ['rejected', 'pending_approval', 'carol', 'retuned'],
        ['pending_approval', 'approved', 'bob', 'looks good'],
      ]);
      expect(history.every((h) => h.ts > 0)).toBe(true);
      // A version created by the would-be approver: refused on the creator rule.
      await c.registry.createModelVersion({ name: 'life', source: { bytes: await model(5) } });
      await a.registry.requestApproval('life', 2);
      await expect(c.registry.approve('life', 2)).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('registered') });
    });

    it('applies four eyes to reject as to approve: neither the requester nor the creator may reject', async () => {
      const dave = { id: 'dave', roles: ['reviewer', 'data-scientist'] };
      await ml.as(alice).registry.createRegisteredModel({ name: 'veto' });
      await ml.as(dave).registry.createModelVersion({ name: 'veto', source: { bytes: await model() } });
      await ml.as(carol).registry.requestApproval('veto', 1, { reason: 'ready' });
      await expect(ml.as(carol).registry.reject('veto', 1, { reason: 'never mind' })).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
        message: expect.stringContaining('requested approval of veto/1 and cannot also reject it'),
      });
      await expect(ml.as(dave).registry.reject('veto', 1, { reason: 'mine' })).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
        message: expect.stringContaining('registered veto/1 and cannot also reject it'),
      });
      expect((await ml.registry.getModelVersion('veto', 1)).approval).toBe('pending_approval');
      // Approval is refused to both the same way; a third principal may decide either way.
      await expect(ml.as(carol).registry.approve('veto', 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      await expect(ml.as(dave).registry.approve('veto', 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      expect((await ml.as(bob).registry.reject('veto', 1, { reason: 'no backtest' })).approval).toBe('rejected');
    });

    it('lets only approved versions hold an alias; revoke removes the alias and tells listeners', async () => {
      const a = ml.as(alice);
      const b = ml.as(bob);
      await a.registry.createRegisteredModel({ name: 'aliased' });
      await a.registry.createModelVersion({ name: 'aliased', source: { bytes: await model() } });
      await a.registry.createModelVersion({ name: 'aliased', source: { bytes: await model(2) } });
      await expect(a.registry.setAlias('aliased', 'champion', 1)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('approved') });
      for (const v of [1, 2]) {
        await a.registry.requestApproval('aliased', v);
        await b.registry.approve('aliased', v);
      }
      const events: string[] = [];
      ml.events.on('registry.alias.set', (e) => events.push(`set ${e.alias} v${e.version} prev ${e.previousVersion ?? '-'}`));
      ml.events.on('registry.alias.removed', (e) => events.push(`removed ${e.alias} v${e.version} ${e.cause}`));
      await a.registry.setAlias('aliased', 'champion', 1);
      await a.registry.setAlias('aliased', 'challenger', 2);
      expect((await ml.registry.getModelVersionByAlias('aliased', 'champion')).version).toBe(1);
      expect((await ml.registry.getModelVersionByAlias('aliased', 'latest')).version).toBe(2);
      expect((await ml.registry.resolve('aliased@champion')).version).toBe(1);
      await b.registry.revoke('aliased', 1, { reason: 'data leak found' });
      await expect(ml.registry.getModelVersionByAlias('aliased', 'champion')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ml.registry.resolve('aliased@champion')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await a.registry.setAlias('aliased', 'champion', 2);
      expect(events).toEqual(['set champion v1 prev -', 'set challenger v2 prev -', 'removed champion v1 revoked', 'set champion v2 prev -']);
      expect((await ml.registry.getRegisteredModel('aliased')).aliases).toEqual({ champion: 2, challenger: 2 });
      for (const alias of ['latest', 'v3', 'V12', 'bad alias', '', 'x'.repeat(256)]) {
        await expect(a.registry.setAlias('aliased', alias, 2), alias).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      }
      await expect(ml.registry.deleteRegisteredModel('aliased')).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('champion') });
      await a.registry.deleteAlias('aliased', 'champion');
      await a.registry.deleteAlias('aliased', 'challenger');
      await ml.registry.deleteRegisteredModel('aliased');
      await expect(ml.registry.getRegisteredModel('aliased')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('refuses a corrupted artifact on read', async () => {
      await ml.registry.createRegisteredModel({ name: 'corrupt' });
      const mv = await ml.registry.createModelVersion({ name: 'corrupt', source: { bytes: await model() } });
      expect((await ml.registry.readModelVersionArtifact('corrupt', 1)).byteLength).toBe(mv.size);
      const resolved = await ml.registry.resolve('corrupt/1');
      const bytes = Buffer.from(await ml.stores.artifacts.get(resolved.artifactKey));
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      await ml.stores.artifacts.put(resolved.artifactKey, bytes);
      await expect(ml.registry.readModelVersionArtifact('corrupt', 1)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringContaining('sha256') });
      await expect(ml.registry.readResolved(resolved)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    });

    it('renames, describes, tags and searches registered models and versions', async () => {
      await ml.registry.createRegisteredModel({ name: 'old-name', tags: { team: 'a' } });
      await ml.registry.createModelVersion({ name: 'old-name', source: { bytes: await model() }, tags: { stage: 'dev' } });
      await ml.registry.renameRegisteredModel('old-name', 'new-name');
      await ml.registry.updateRegisteredModel('new-name', { description: 'renamed' });
      await ml.registry.setRegisteredModelTag('new-name', 'team', 'b');
      await ml.registry.setModelVersionTag('new-name', 1, 'stage', 'prod');
      await ml.registry.updateModelVersion('new-name', 1, { description: 'v1' });
      const m = await ml.registry.getRegisteredModel('new-name');
      expect(m).toMatchObject({ description: 'renamed', tags: { team: 'b' }, latestVersion: 1 });
      expect((await ml.registry.getModelVersion('new-name', 1)).tags).toEqual({ stage: 'prod' });
      expect((await ml.registry.readModelVersionArtifact('new-name', 1)).byteLength).toBeGreaterThan(0);
      const found = await ml.registry.searchRegisteredModels({ filter: "name LIKE 'new-%' AND tags.team = 'b'" });
      expect(found.registeredModels.map((r) => r.name)).toEqual(['new-name']);
      const versions = await ml.registry.searchModelVersions({ filter: "name = 'new-name' AND approval = 'draft'" });
      expect(versions.modelVersions).toHaveLength(1);
      await expect(ml.registry.getModelVersion('new-name', 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ml.registry.getModelVersion('new-name', 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.registry.resolve('new-name@nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(ml.registry.resolve('just-a-name')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}

describe('alias resolution cache', () => {
  it('follows alias changes made by another runtime on the same store, by polling', async () => {
    const { createMlops } = await import('../../src/index.js');
    const dir = await tempDir();
    try {
      const a = await createMlops({ dir: dir.path, env: {}, registry: { pollIntervalMs: 25 } });
      const b = await createMlops({ dir: dir.path, env: {}, registry: { pollIntervalMs: 25 } });
      await a.registry.createRegisteredModel({ name: 'shared' });
      for (let v = 1; v <= 2; v++) {
        await a.as(alice).registry.createModelVersion({ name: 'shared', source: { bytes: await model(v) } });
        await a.as(alice).registry.requestApproval('shared', v);
        await a.as(bob).registry.approve('shared', v);
      }
      await a.registry.setAlias('shared', 'champion', 1);
      expect((await b.registry.resolve('shared@champion')).version).toBe(1);
      await a.registry.setAlias('shared', 'champion', 2);
      // Runtime a saw its own event at once; runtime b notices within a poll interval.
      expect((await a.registry.resolve('shared@champion')).version).toBe(2);
      let seen = 1;
      for (let i = 0; i < 100 && seen !== 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
        seen = (await b.registry.resolve('shared@champion')).version;
      }
      expect(seen).toBe(2);
      await a.close();
      await b.close();
    } finally {
      await dir.remove();
    }
  });
});
