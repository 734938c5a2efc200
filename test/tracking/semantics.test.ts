import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { tempDir } from '../helpers/services.js';

const bad = (code = 'INVALID_ARGUMENT') => ({ code });

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`tracking semantics on ${backend.name}`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
    });
    afterAll(async () => {
      await close?.();
    });

    describe('experiments', () => {
      it('has the Default experiment with id 0', async () => {
        const exp = await ml.tracking.getExperiment('0');
        expect(exp).toMatchObject({ experimentId: '0', name: 'Default', lifecycleStage: 'active' });
      });

      it('creates with a unique name, reads by id and name, renames, tags', async () => {
        const exp = await ml.tracking.createExperiment({ name: 'exp-a', tags: { team: 'quant' } });
        expect(exp.experimentId).toMatch(/^\d+$/);
        expect(exp.tags).toEqual({ team: 'quant' });
        expect(exp.artifactLocation).toContain(`/${exp.experimentId}`);
        await expect(ml.tracking.createExperiment({ name: 'exp-a' })).rejects.toMatchObject({ code: 'ALREADY_EXISTS', message: expect.stringContaining('exp-a') });
        expect((await ml.tracking.getExperimentByName('exp-a')).experimentId).toBe(exp.experimentId);
        await ml.tracking.renameExperiment(exp.experimentId, 'exp-a2');
        await expect(ml.tracking.getExperimentByName('exp-a')).rejects.toMatchObject(bad('NOT_FOUND'));
        await ml.tracking.setExperimentTag(exp.experimentId, 'owner', 'me');
        await ml.tracking.deleteExperimentTag(exp.experimentId, 'team');
        expect((await ml.tracking.getExperiment(exp.experimentId)).tags).toEqual({ owner: 'me' });
      });

      it('refuses bad experiment input', async () => {
        await expect(ml.tracking.createExperiment({ name: '' })).rejects.toMatchObject(bad());
        await expect(ml.tracking.createExperiment({ name: 'x'.repeat(501) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/limit is 500/) });
        await expect(ml.tracking.createExperiment({ name: 'ok', tags: { 'bad key!': 'v' } })).rejects.toMatchObject(bad());
        await expect(ml.tracking.getExperimentByName('ok')).rejects.toMatchObject(bad('NOT_FOUND'));
        await expect(ml.tracking.getExperiment('abc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"abc"') });
        await expect(ml.tracking.getExperiment('999999')).rejects.toMatchObject(bad('NOT_FOUND'));
        await expect(ml.tracking.deleteExperiment('0')).rejects.toMatchObject(bad('FAILED_PRECONDITION'));
      });

      it('soft-deletes and restores an experiment with its runs', async () => {
        const exp = await ml.tracking.createExperiment({ name: 'exp-del' });
        const run = await ml.tracking.startRun({ experimentId: exp.experimentId });
        await ml.tracking.deleteExperiment(exp.experimentId);
        expect((await ml.tracking.getExperiment(exp.experimentId)).lifecycleStage).toBe('deleted');
        expect((await ml.tracking.getRun(run.runId)).info.lifecycleStage).toBe('deleted');
        await expect(ml.tracking.startRun({ experimentId: exp.experimentId })).rejects.toMatchObject(bad('FAILED_PRECONDITION'));
        await expect(run.logParam('a', 1)).rejects.toMatchObject(bad('FAILED_PRECONDITION'));
        const active = await ml.tracking.searchExperiments({ filter: "name = 'exp-del'" });
        expect(active.experiments).toHaveLength(0);
        const deleted = await ml.tracking.searchExperiments({ filter: "name = 'exp-del'", viewType: 'DELETED_ONLY' });
        expect(deleted.experiments).toHaveLength(1);
        await ml.tracking.restoreExperiment(exp.experimentId);
        expect((await ml.tracking.getRun(run.runId)).info.lifecycleStage).toBe('active');
      });

      it('searches experiments by name and tags, ordered, a page at a time', async () => {
        for (let i = 0; i < 7; i++) await ml.tracking.createExperiment({ name: `search-exp-${i}`, tags: { parity: i % 2 ? 'odd' : 'even' } });
        const even = await ml.tracking.searchExperiments({ filter: "name LIKE 'search-exp-%' AND tags.parity = 'even'", orderBy: ['name DESC'] });
        expect(even.experiments.map((e) => e.name)).toEqual(['search-exp-6', 'search-exp-4', 'search-exp-2', 'search-exp-0']);
        const names: string[] = [];
        let pageToken: string | undefined;
        do {
          const page = await ml.tracking.searchExperiments({ filter: "name LIKE 'search-exp-%'", orderBy: ['name'], maxResults: 3, ...(pageToken ? { pageToken } : {}) });
          names.push(...page.experiments.map((e) => e.name));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(names).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `search-exp-${i}`));
      });
    });

    describe('runs', () => {
      let experimentId: string;
      beforeAll(async () => {
        experimentId = (await ml.tracking.createExperiment({ name: 'runs' })).experimentId;
      });

      it('starts a run with an MLflow run id, name, user and parent', async () => {
        const parent = await ml.tracking.startRun({ experimentId, name: 'parent', tags: { stage: 'dev' } });
        expect(parent.runId).toMatch(/^[0-9a-f]{32}$/);
        expect(parent.info).toMatchObject({ experimentId, runName: 'parent', status: 'RUNNING', lifecycleStage: 'active', userId: 'local', endTime: null });
        expect(parent.info.artifactUri).toMatch(new RegExp(`/${experimentId}/${parent.runId}/artifacts$`));
        const child = await ml.tracking.startRun({ experimentId, parentRunId: parent.runId });
        const got = await ml.tracking.getRun(child.runId);
        expect(got.info.runName).toMatch(/^[a-z]+-[a-z]+-\d+$/);
        expect(got.data.tags).toMatchObject({ 'mlflow.parentRunId': parent.runId, 'mlflow.user': 'local', 'mlflow.runName': got.info.runName });
        const asBob = await ml.as({ id: 'bob', roles: ['data-scientist'] }).tracking.startRun({ experimentId });
        expect(asBob.info.userId).toBe('bob');
      });

      it('refuses bad run input', async () => {
        await expect(ml.tracking.startRun({ experimentId: '424242' })).rejects.toMatchObject(bad('NOT_FOUND'));
        await expect(ml.tracking.startRun({ experimentId, parentRunId: 'f'.repeat(32) })).rejects.toMatchObject(bad('NOT_FOUND'));
        await expect(ml.tracking.startRun({ experimentId, parentRunId: 'nope' })).rejects.toMatchObject(bad());
        await expect(ml.tracking.startRun({ experimentId, startTime: 1.5 })).rejects.toMatchObject(bad());
        await expect(ml.tracking.startRun({ experimentId, status: 'DONE' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('"DONE"') });
        await expect(ml.tracking.getRun('0'.repeat(31))).rejects.toMatchObject(bad());
        await expect(ml.tracking.getRun('0'.repeat(32))).rejects.toMatchObject(bad('NOT_FOUND'));
      });

      it('updates status, end time and name; ends runs', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await ml.tracking.updateRun(run.runId, { name: 'renamed' });
        const ended = await run.end('KILLED', { endTime: 1_800_000_000_000 });
        expect(ended).toMatchObject({ status: 'KILLED', endTime: 1_800_000_000_000, runName: 'renamed' });
        expect((await ml.tracking.getRun(run.runId)).data.tags['mlflow.runName']).toBe('renamed');
        await expect(ml.tracking.updateRun(run.runId, { status: 'nope' as never })).rejects.toMatchObject(bad());
      });

      it('soft-deletes and restores runs; a deleted run takes no writes', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await ml.tracking.deleteRun(run.runId);
        expect((await ml.tracking.getRun(run.runId)).info.lifecycleStage).toBe('deleted');
        await expect(run.logMetric('m', 1)).rejects.toMatchObject(bad('FAILED_PRECONDITION'));
        await ml.tracking.restoreRun(run.runId);
        await run.logMetric('m', 1);
      });

      it('keeps params write-once: the same value again is fine, another value names the key and both values', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await run.logParams({ lr: 0.01, layers: 3, optimizer: 'adam', flag: true });
        await run.logParam('lr', '0.01');
        await expect(run.logParam('lr', 0.02)).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringMatching(/"lr": logged "0\.01", now "0\.02"/),
        });
        expect((await ml.tracking.getRun(run.runId)).data.params).toEqual({ lr: '0.01', layers: '3', optimizer: 'adam', flag: 'true' });
      });

      it('validates keys and values as MLflow does', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        for (const key of ['', 'a!b', 'x'.repeat(251), 'a/../b', './a', '/abs', 'a//b', 'a/', '..', 'semi;colon', 'quote"']) {
          await expect(run.logParam(key, 'v'), JSON.stringify(key)).rejects.toMatchObject(bad());
          await expect(run.logMetric(key, 1), JSON.stringify(key)).rejects.toMatchObject(bad());
          await expect(run.setTag(key, 'v'), JSON.stringify(key)).rejects.toMatchObject(bad());
        }
        for (const key of ['a.b-c_d e:f/g', 'val loss', 'x'.repeat(250)]) await run.logParam(key, 'ok');
        await expect(run.logParam('long', 'v'.repeat(6001))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('6000') });
        await run.logParam('long6000', 'v'.repeat(6000));
        await expect(run.setTag('long', 't'.repeat(8001))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('8000') });
        await run.setTag('long8000', 't'.repeat(8000));
        await expect(run.logMetric('m', '1' as never)).rejects.toMatchObject(bad());
        await expect(run.logMetric('m', 1, { step: 0.5 })).rejects.toMatchObject(bad());
        await expect(run.logParam('obj', { a: 1 })).rejects.toMatchObject(bad());
        await expect(run.logParam('nul', 'a\u0000b')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('NUL') });
      });

      it('keeps metric history, NaN and infinities, and the latest value by step, timestamp, value', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await run.logMetric('loss', 0.9, { step: 0, timestamp: 1000 });
        await run.logMetric('loss', 0.5, { step: 2, timestamp: 1000 });
        await run.logMetric('loss', 0.7, { step: 1, timestamp: 5000 });
        await run.logMetric('odd', Number.NaN, { step: 0, timestamp: 1 });
        await run.logMetric('odd', Number.POSITIVE_INFINITY, { step: 1, timestamp: 1 });
        await run.logMetric('neg', Number.NEGATIVE_INFINITY, { step: 0, timestamp: 1 });
        await run.logMetric('tie', 1, { step: 3, timestamp: 10 });
        await run.logMetric('tie', 5, { step: 3, timestamp: 10 });
        await run.logMetric('tie', 2, { step: 3, timestamp: 10 });
        await run.logMetric('nanlast', 1, { step: 0, timestamp: 1 });
        await run.logMetric('nanlast', Number.NaN, { step: 0, timestamp: 2 });
        const got = await ml.tracking.getRun(run.runId);
        expect(got.data.metrics.loss).toBe(0.5);
        expect(got.data.metrics.odd).toBe(Number.POSITIVE_INFINITY);
        expect(got.data.metrics.neg).toBe(Number.NEGATIVE_INFINITY);
        expect(got.data.metrics.tie).toBe(5);
        expect(got.data.metrics.nanlast).toBeNaN();
        const history = await ml.tracking.getMetricHistory(run.runId, 'loss');
        expect(history).toEqual([
          { key: 'loss', value: 0.9, step: 0, timestamp: 1000 },
          { key: 'loss', value: 0.7, step: 1, timestamp: 5000 },
          { key: 'loss', value: 0.5, step: 2, timestamp: 1000 },
        ]);
        const odd = await ml.tracking.getMetricHistory(run.runId, 'odd');
        expect(odd[0]?.value).toBeNaN();
        expect(await ml.tracking.getMetricHistory(run.runId, 'never')).toEqual([]);
      });

      it('pages through metric history', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await run.logBatch({ metrics: Array.from({ length: 250 }, (_, i) => ({ key: 'acc', value: i / 250, step: i, timestamp: 1 })) });
        const steps: number[] = [];
        let pageToken: string | undefined;
        let pages = 0;
        do {
          const page = await ml.tracking.getMetricHistoryPage(run.runId, 'acc', { maxResults: 100, ...(pageToken ? { pageToken } : {}) });
          steps.push(...page.metrics.map((m) => m.step));
          pageToken = page.nextPageToken;
          pages += 1;
        } while (pageToken);
        expect(pages).toBe(3);
        expect(steps).toEqual(Array.from({ length: 250 }, (_, i) => i));
        await expect(ml.tracking.getMetricHistoryPage(run.runId, 'other', { pageToken: 'eyJvIjoxMDAsInEiOiJ4In0' })).rejects.toMatchObject(bad());
        await expect(ml.tracking.getMetricHistoryPage(run.runId, 'acc', { maxResults: 0 })).rejects.toMatchObject(bad());
      });

      it('logs batches atomically within MLflow limits', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await run.logBatch({
          metrics: [{ key: 'a', value: 1, step: 0, timestamp: 5 }, { key: 'b', value: 2 }],
          params: [{ key: 'p', value: '1' }],
          tags: { t: 'x' },
        });
        await expect(run.logBatch({ metrics: Array.from({ length: 1001 }, () => ({ key: 'm', value: 1 })) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('1000') });
        await expect(run.logBatch({ params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 1 })) })).rejects.toMatchObject(bad());
        await expect(run.logBatch({ tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 1 })) })).rejects.toMatchObject(bad());
        await expect(
          run.logBatch({ metrics: Array.from({ length: 950 }, () => ({ key: 'm', value: 1 })), params: Array.from({ length: 51 }, (_, i) => ({ key: `q${i}`, value: 1 })) }),
        ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('1001 items') });
        await expect(run.logBatch({ params: [{ key: 'd', value: 1 }, { key: 'd', value: 1 }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('twice') });
        // A conflicting param fails the whole batch: none of its metrics, params or tags are written.
        await expect(
          run.logBatch({ metrics: [{ key: 'should-not-exist', value: 1 }], params: [{ key: 'fresh', value: 'x' }, { key: 'p', value: '2' }], tags: { 'tag-not': 'x' } }),
        ).rejects.toMatchObject(bad());
        // A bad metric late in a batch fails it before anything is written.
        await expect(run.logBatch({ params: { fresh2: 'y' }, metrics: [{ key: 'ok', value: 1 }, { key: 'bad!', value: 1 }] })).rejects.toMatchObject({
          code: 'INVALID_ARGUMENT',
          message: expect.stringContaining('metrics[1].key'),
        });
        const got = await ml.tracking.getRun(run.runId);
        expect(Object.keys(got.data.metrics).sort()).toEqual(['a', 'b']);
        expect(got.data.params).toEqual({ p: '1' });
        expect(got.data.tags.t).toBe('x');
        expect(got.data.tags['tag-not']).toBeUndefined();
        expect(await ml.tracking.getMetricHistory(run.runId, 'should-not-exist')).toEqual([]);
      });

      it('sets, overwrites and deletes tags', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        await run.setTag('k', 'v1');
        await run.setTags({ k: 'v2', other: 1 });
        await run.deleteTag('other');
        await expect(run.deleteTag('other')).rejects.toMatchObject(bad('NOT_FOUND'));
        await run.setTag('mlflow.runName', 'via-tag');
        const got = await ml.tracking.getRun(run.runId);
        expect(got.data.tags).toMatchObject({ k: 'v2', 'mlflow.runName': 'via-tag' });
        expect(got.data.tags.other).toBeUndefined();
        expect(got.info.runName).toBe('via-tag');
      });

      it('logs, lists and downloads artifacts; refuses paths that escape', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        const local = await tempDir('mlops-art-');
        try {
          await writeFile(join(local.path, 'weights.bin'), Buffer.from([1, 2, 3]));
          await mkdir(join(local.path, 'plots', 'roc'), { recursive: true });
          await writeFile(join(local.path, 'plots', 'pr.png'), 'png');
          await writeFile(join(local.path, 'plots', 'roc', 'a.png'), 'roc');
          const info = await run.logArtifact('model/model.onnx', new Uint8Array([9, 8, 7, 6]));
          expect(info).toMatchObject({ key: 'model/model.onnx', size: 4 });
          await run.logArtifact('model/weights.bin', join(local.path, 'weights.bin'));
          await run.logArtifact('notes.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
          expect(await run.logArtifacts(join(local.path, 'plots'), 'plots')).toBe(2);
          expect(await ml.tracking.listArtifacts(run.runId)).toEqual([
            { path: 'model', isDir: true },
            { path: 'notes.txt', isDir: false, fileSize: 11 },
            { path: 'plots', isDir: true },
          ]);
          expect(await ml.tracking.listArtifacts(run.runId, 'plots')).toEqual([
            { path: 'plots/pr.png', isDir: false, fileSize: 3 },
            { path: 'plots/roc', isDir: true },
          ]);
          expect(Array.from(await ml.tracking.downloadArtifact(run.runId, 'model/weights.bin'))).toEqual([1, 2, 3]);
          for (const path of ['../other', '/etc/passwd', 'a/../../b', 'a\\b', '']) {
            await expect(run.logArtifact(path, new Uint8Array([1])), path).rejects.toMatchObject(bad());
            await expect(ml.tracking.downloadArtifact(run.runId, path), path).rejects.toMatchObject(bad());
          }
          await expect(run.logArtifact('x', join(local.path, 'missing'))).rejects.toMatchObject(bad('NOT_FOUND'));
          await expect(ml.tracking.downloadArtifact(run.runId, 'nope.txt')).rejects.toMatchObject(bad('NOT_FOUND'));
        } finally {
          await local.remove();
        }
      });

      it('records dataset inputs with context tags', async () => {
        const run = await ml.tracking.startRun({ experimentId });
        const dataset = { name: 'ticks-2026', digest: 'abc123', sourceType: 'local', source: 'file:///data/ticks.parquet', schema: '{"cols":["px"]}' };
        await run.logInputs([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        await run.logInputs([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        const got = await ml.tracking.getRun(run.runId);
        expect(got.inputs.datasetInputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        await expect(run.logInputs([{ dataset: { ...dataset, digest: 'x'.repeat(37) }, tags: [] }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('datasets[0].dataset.digest') });
      });

      it('ends a withRun FAILED when the function throws and FINISHED otherwise', async () => {
        let failedId = '';
        await expect(
          ml.tracking.withRun({ experimentId }, async (run) => {
            failedId = run.runId;
            await run.logMetric('x', 1);
            throw new Error('training diverged');
          }),
        ).rejects.toThrow('training diverged');
        expect((await ml.tracking.getRun(failedId)).info.status).toBe('FAILED');
        const okId = await ml.tracking.withRun({ experimentId }, (run) => run.runId);
        const ok = await ml.tracking.getRun(okId);
        expect(ok.info.status).toBe('FINISHED');
        expect(ok.info.endTime).toBeGreaterThan(0);
      });

      it('buffers metrics for training loops and loses none on end', async () => {
        const run = await ml.tracking.startRun({ experimentId, buffered: { maxItems: 500, flushIntervalMs: 50 } });
        for (let step = 0; step < 3000; step++) await run.logMetrics({ loss: 1 / (step + 1), acc: step / 3000 }, { step, timestamp: 1000 + step });
        await expect(run.logMetric('bad key!', 1)).rejects.toMatchObject(bad());
        await run.end();
        expect(await ml.tracking.getMetricHistory(run.runId, 'loss')).toHaveLength(3000);
        const got = await ml.tracking.getRun(run.runId);
        expect(got.data.metrics.acc).toBe(2999 / 3000);
        await expect(ml.tracking.startRun({ experimentId, buffered: { maxItems: 5000 } })).rejects.toMatchObject(bad());
      });
    });
  });
}

describe('buffered metrics survive runtime close', () => {
  it('flushes a buffered run that was never ended when the runtime closes', async () => {
    const backend = BACKENDS[0]!;
    const first = await backend.open();
    const run = await first.ml.tracking.startRun({ buffered: { maxItems: 1000, flushIntervalMs: 60_000 } });
    for (let i = 0; i < 1234; i++) await run.logMetric('m', i, { step: i });
    const dir = first.ml.dir;
    await first.ml.close();
    const { createMlops } = await import('../../src/index.js');
    const again = await createMlops({ dir, env: {} });
    expect(await again.tracking.getMetricHistory(run.runId, 'm')).toHaveLength(1234);
    await again.close();
    await first.close();
  });
});
