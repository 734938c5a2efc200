import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { BACKENDS } from '../helpers/runtimes.js';

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`logged models (MLflow 3) in the library (${backend.name})`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
    });
    afterAll(async () => close?.());

    it('logModel writes the folder, links the run, finalizes READY, and registers by modelId', async () => {
      const run = await ml.tracking.startRun({ name: 'train' });
      const onnx = await buildLogisticRegression([1, 2, 3], 0.5);
      const model = await ml.tracking.logModel(run, { name: 'sig', onnx, params: { lr: 0.01 }, tags: { desk: 'fx' } });
      expect(model).toMatchObject({ name: 'sig', status: 'LOGGED_MODEL_READY', sourceRunId: run.runId, experimentId: '0', params: { lr: '0.01' }, tags: { desk: 'fx' } });
      expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
      expect(model.artifactLocation.endsWith(`/0/models/${model.modelId}/artifacts`)).toBe(true);
      expect((await ml.tracking.listModelArtifacts(model.modelId)).map((f) => f.path)).toEqual(['MLmodel', 'model.onnx']);
      expect(await ml.tracking.getRunModels(run.runId)).toEqual({ outputs: [{ modelId: model.modelId, step: 0 }], inputs: [] });

      await ml.registry.createRegisteredModel({ name: 'lib-signal' });
      const v = await ml.registry.createModelVersion({ name: 'lib-signal', source: { modelId: model.modelId } });
      expect(v).toMatchObject({ version: 1, format: 'onnx', modelId: model.modelId, runId: run.runId, source: `models:/${model.modelId}` });
      expect(v.signature?.inputs.map((i) => i.name)).toEqual(['X']);
      expect(Buffer.from(await ml.registry.readModelVersionArtifact('lib-signal', 1)).equals(Buffer.from(onnx))).toBe(true);
    });

    it('searches by attributes, params and tags; finalize, tags and delete behave as MLflow', async () => {
      const a = await ml.tracking.createLoggedModel({ name: 'search-a', params: { depth: 3 } });
      const b = await ml.tracking.createLoggedModel({ name: 'search-b', modelType: 'ranker', tags: { stage: 'dev' } });
      expect(a.status).toBe('LOGGED_MODEL_PENDING');
      const found = await ml.tracking.searchLoggedModels({ experimentIds: ['0'], filter: "name LIKE 'search-%' AND params.depth = '3'" });
      expect(found.models.map((m) => m.modelId)).toEqual([a.modelId]);
      const ordered = await ml.tracking.searchLoggedModels({ experimentIds: ['0'], filter: "name LIKE 'search-%'", orderBy: ['name DESC'] });
      expect(ordered.models.map((m) => m.name)).toEqual(['search-b', 'search-a']);
      expect((await ml.tracking.finalizeLoggedModel(b.modelId, 'FAILED')).status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
      await expect(ml.tracking.finalizeLoggedModel(b.modelId, 'DONE' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('status') });
      await ml.tracking.setLoggedModelTags(b.modelId, { stage: 'prod', owner: 'ana' });
      await ml.tracking.deleteLoggedModelTag(b.modelId, 'owner');
      expect((await ml.tracking.getLoggedModel(b.modelId)).tags).toEqual({ stage: 'prod' });
      await expect(ml.tracking.deleteLoggedModelTag(b.modelId, 'owner')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await ml.tracking.deleteLoggedModel(b.modelId);
      await expect(ml.tracking.getLoggedModel(b.modelId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await ml.tracking.searchLoggedModels({ experimentIds: ['0'], filter: "name = 'search-b'" })).models).toEqual([]);
    });

    it('refuses bad input before writing anything', async () => {
      await expect(ml.tracking.getLoggedModel('m-123')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('m-123') });
      await expect(ml.tracking.createLoggedModel({ experimentId: '999999' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const run = await ml.tracking.startRun({});
      await ml.tracking.deleteRun(run.runId);
      const before = (await ml.tracking.searchLoggedModels({ experimentIds: ['0'] })).models.length;
      await expect(ml.tracking.logModel(run, { name: 'late', onnx: await buildLogisticRegression([1], 0) })).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
      await expect(ml.tracking.logModel('nope', { onnx: new Uint8Array([1]) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.tracking.logModel(run, { onnx: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((await ml.tracking.searchLoggedModels({ experimentIds: ['0'] })).models).toHaveLength(before);
    });
  });
}
