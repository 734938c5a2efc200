import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Mlops } from '../../runtime.js';
import { RUN_STATUSES, type Run, type RunStatus } from '../../tracking/types.js';
import '../request-context.js';
import { Fields } from './params.js';
import { advertise, advertiser } from './artifact-uris.js';
import { experimentJson, fileInfoJson, fromKeyValues, metricJson, runInfoJson, runJson } from './shapes.js';

const BASE = '/api/2.0/mlflow';

async function runsJson(ml: Mlops, runs: Run[]): Promise<unknown[]> {
  const latest = await ml.tracking.getLatestMetrics(runs.map((r) => r.info.runId));
  const uri = advertiser(ml);
  return runs.map((r) => runJson(r, latest.get(r.info.runId) ?? [], uri));
}

function status(f: Fields, name: string): RunStatus | undefined {
  const v = f.optionalString(name);
  if (v === undefined) return undefined;
  if (!(RUN_STATUSES as readonly string[]).includes(v)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected one of ${RUN_STATUSES.join(', ')}`, { details: { field: name } });
  return v as RunStatus;
}

/** Experiments, runs, metric history and artifact listing, as mlflow/protos/service.proto defines them. */
export function registerTrackingRoutes(app: FastifyInstance): void {
  // Experiments
  app.post(`${BASE}/experiments/create`, async (req) => {
    const f = new Fields(req);
    if (f.has('artifact_location')) {
      throw new InvalidArgumentError("Invalid parameter 'artifact_location': artifacts go to the runtime's artifact store; leave it out");
    }
    const e = await req.ml.tracking.createExperiment({ name: f.string('name'), tags: fromKeyValues(f.raw('tags'), 'tags') });
    return { experiment_id: e.experimentId };
  });
  app.get(`${BASE}/experiments/get`, async (req) => {
    const f = new Fields(req);
    return { experiment: experimentJson(await req.ml.tracking.getExperiment(f.string('experiment_id')), advertiser(req.ml)) };
  });
  app.get(`${BASE}/experiments/get-by-name`, async (req) => {
    const f = new Fields(req);
    return { experiment: experimentJson(await req.ml.tracking.getExperimentByName(f.string('experiment_name')), advertiser(req.ml)) };
  });
  const searchExperiments = async (f: Fields, ml: Mlops) => {
    const viewType = f.viewType('view_type');
    const r = await ml.tracking.searchExperiments({ ...(viewType !== undefined ? { viewType } : {}), ...f.searchOptions() });
    const uri = advertiser(ml);
    return { experiments: r.experiments.map((e) => experimentJson(e, uri)), ...(r.nextPageToken !== undefined ? { next_page_token: r.nextPageToken } : {}) };
  };
  app.post(`${BASE}/experiments/search`, async (req) => searchExperiments(new Fields(req), req.ml));
  app.get(`${BASE}/experiments/search`, async (req) => searchExperiments(new Fields(req), req.ml));
  // The pre-2.0 listing endpoint, still used by older clients: search without a filter.
  app.get(`${BASE}/experiments/list`, async (req) => searchExperiments(new Fields(req), req.ml));
  app.post(`${BASE}/experiments/update`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.renameExperiment(f.string('experiment_id'), f.string('new_name'));
    return {};
  });
  app.post(`${BASE}/experiments/delete`, async (req) => {
    await req.ml.tracking.deleteExperiment(new Fields(req).string('experiment_id'));
    return {};
  });
  app.post(`${BASE}/experiments/restore`, async (req) => {
    await req.ml.tracking.restoreExperiment(new Fields(req).string('experiment_id'));
    return {};
  });
  app.post(`${BASE}/experiments/set-experiment-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.setExperimentTag(f.string('experiment_id'), f.string('key'), f.optionalString('value') ?? '');
    return {};
  });
  app.post(`${BASE}/experiments/delete-experiment-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.deleteExperimentTag(f.string('experiment_id'), f.string('key'));
    return {};
  });

  // Runs
  app.post(`${BASE}/runs/create`, async (req) => {
    const f = new Fields(req);
    const tags = fromKeyValues(f.raw('tags'), 'tags');
    const name = f.optionalString('run_name') ?? tags['mlflow.runName'];
    const startTime = f.optionalInt('start_time');
    const handle = await req.ml.tracking.startRun({
      experimentId: f.optionalString('experiment_id') ?? '0',
      tags,
      ...(name !== undefined ? { name } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
    });
    const run = await req.ml.tracking.getRun(handle.runId);
    return { run: runJson(run, [], advertiser(req.ml)) };
  });
  app.get(`${BASE}/runs/get`, async (req) => {
    const runId = new Fields(req).string('run_id', 'run_uuid');
    const found = await req.ml.tracking.getRun(runId);
    const [latest, models] = await Promise.all([req.ml.tracking.getLatestMetrics([runId]), req.ml.tracking.getRunModels(runId)]);
    return { run: runJson(found, latest.get(runId) ?? [], advertiser(req.ml), models) };
  });
  app.post(`${BASE}/runs/update`, async (req) => {
    const f = new Fields(req);
    const st = status(f, 'status');
    const endTime = f.optionalInt('end_time');
    const name = f.optionalString('run_name');
    const info = await req.ml.tracking.updateRun(f.string('run_id', 'run_uuid'), {
      ...(st !== undefined ? { status: st } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    return { run_info: runInfoJson(info, advertiser(req.ml)) };
  });
  app.post(`${BASE}/runs/delete`, async (req) => {
    await req.ml.tracking.deleteRun(new Fields(req).string('run_id', 'run_uuid'));
    return {};
  });
  app.post(`${BASE}/runs/restore`, async (req) => {
    await req.ml.tracking.restoreRun(new Fields(req).string('run_id', 'run_uuid'));
    return {};
  });
  app.post(`${BASE}/runs/search`, async (req) => {
    const f = new Fields(req);
    const viewType = f.viewType('run_view_type');
    const options = f.searchOptions();
    const r = await req.ml.tracking.searchRuns({ experimentIds: f.stringList('experiment_ids') ?? [], ...(viewType !== undefined ? { viewType } : {}), ...options });
    return { runs: await runsJson(req.ml, r.runs), ...(r.nextPageToken !== undefined ? { next_page_token: r.nextPageToken } : {}) };
  });
  app.post(`${BASE}/runs/log-metric`, async (req) => {
    const f = new Fields(req);
    const timestamp = f.optionalInt('timestamp');
    const step = f.optionalInt('step');
    await req.ml.tracking.logMetric(f.string('run_id', 'run_uuid'), f.string('key'), f.number('value'), {
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(step !== undefined ? { step } : {}),
    });
    return {};
  });
  app.post(`${BASE}/runs/log-parameter`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.logParam(f.string('run_id', 'run_uuid'), f.string('key'), f.optionalString('value') ?? '');
    return {};
  });
  app.post(`${BASE}/runs/set-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.setTag(f.string('run_id', 'run_uuid'), f.string('key'), f.optionalString('value') ?? '');
    return {};
  });
  app.post(`${BASE}/runs/delete-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.tracking.deleteTag(f.string('run_id'), f.string('key'));
    return {};
  });
  app.post(`${BASE}/runs/log-batch`, async (req) => {
    const f = new Fields(req);
    const metrics = f.raw('metrics') ?? [];
    if (!Array.isArray(metrics)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(metrics)} for parameter 'metrics': expected a list`);
    await req.ml.tracking.logBatch(f.string('run_id', 'run_uuid'), {
      metrics: metrics.map((m: unknown, i) => {
        const e = (m ?? {}) as { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown };
        const value = typeof e.value === 'string' && /^(NaN|-?Infinity)$/.test(e.value) ? Number(e.value) : e.value;
        const ts = typeof e.timestamp === 'string' && /^\d+$/.test(e.timestamp) ? Number(e.timestamp) : e.timestamp;
        const step = typeof e.step === 'string' && /^-?\d+$/.test(e.step) ? Number(e.step) : e.step;
        if (typeof e.key !== 'string') throw new InvalidArgumentError(`Invalid value ${JSON.stringify(e.key)} for parameter 'metrics[${i}].key': expected a string`);
        return { key: e.key, value: value as number, ...(ts != null ? { timestamp: ts as number } : {}), ...(step != null ? { step: step as number } : {}) };
      }),
      params: Object.entries(fromKeyValues(f.raw('params'), 'params')).map(([key, value]) => ({ key, value })),
      tags: fromKeyValues(f.raw('tags'), 'tags'),
    });
    return {};
  });
  app.post(`${BASE}/runs/log-inputs`, async (req) => {
    const f = new Fields(req);
    const datasets = f.raw('datasets') ?? [];
    const modelInputs = f.raw('models') ?? f.raw('model_inputs') ?? [];
    if (!Array.isArray(modelInputs)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(modelInputs)} for parameter 'models': expected a list of { model_id }`);
    if (!Array.isArray(datasets)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(datasets)} for parameter 'datasets': expected a list`);
    await req.ml.tracking.logInputs(
      f.string('run_id'),
      datasets.map((d: unknown, i) => {
        const e = (d ?? {}) as { dataset?: Record<string, unknown>; tags?: unknown };
        const ds = e.dataset;
        if (ds === null || typeof ds !== 'object') throw new InvalidArgumentError(`Invalid value for parameter 'datasets[${i}].dataset': expected an object`);
        return {
          dataset: {
            name: ds.name as string,
            digest: ds.digest as string,
            sourceType: ds.source_type as string,
            source: ds.source as string,
            ...(typeof ds.schema === 'string' ? { schema: ds.schema } : {}),
            ...(typeof ds.profile === 'string' ? { profile: ds.profile } : {}),
          },
          tags: Object.entries(fromKeyValues(e.tags, `datasets[${i}].tags`)).map(([key, value]) => ({ key, value })),
        };
      }),
    );
    if (modelInputs.length > 0) await req.ml.tracking.logModelInputs(f.string('run_id'), modelInputs.map((m: unknown) => ({ modelId: (m as { model_id?: string } | null)?.model_id as string })));
    return {};
  });

  // Metric history and artifacts
  app.get(`${BASE}/metrics/get-history`, async (req) => {
    const f = new Fields(req);
    const maxResults = f.optionalInt('max_results');
    const pageToken = f.optionalString('page_token');
    const page = await req.ml.tracking.getMetricHistoryPage(f.string('run_id', 'run_uuid'), f.string('metric_key'), {
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(pageToken ? { pageToken } : {}),
    });
    return { metrics: page.metrics.map(metricJson), ...(page.nextPageToken !== undefined ? { next_page_token: page.nextPageToken } : {}) };
  });
  // The MLflow UI's and client charts' sampled history: for each run, at most max_results steps
  // spread evenly over [start_step, end_step], the first and last always kept (as MLflow samples).
  app.get(`${BASE}/metrics/get-history-bulk-interval`, async (req) => {
    const f = new Fields(req);
    const runIds = f.stringList('run_ids') ?? [];
    if (runIds.length === 0 || runIds.length > 100) throw new InvalidArgumentError(`Invalid value for parameter 'run_ids': give 1 to 100 run ids (got ${runIds.length})`, { details: { field: 'run_ids' } });
    const key = f.string('metric_key');
    const maxResults = f.optionalInt('max_results') ?? 320;
    if (maxResults < 1 || maxResults > 2500) throw new InvalidArgumentError(`Invalid value ${maxResults} for parameter 'max_results': expected 1 to 2500`, { details: { field: 'max_results' } });
    const start = f.optionalInt('start_step');
    const end = f.optionalInt('end_step');
    if ((start === undefined) !== (end === undefined)) throw new InvalidArgumentError("Invalid parameters 'start_step' and 'end_step': give both or neither", { details: { field: 'start_step' } });
    const out: unknown[] = [];
    for (const runId of runIds) {
      const points = (await req.ml.tracking.getMetricHistory(runId, key)).filter((p) => start === undefined || (p.step >= start && p.step <= (end as number)));
      const steps = [...new Set(points.map((p) => p.step))].sort((a, b) => a - b);
      let keep = steps;
      if (steps.length > maxResults) {
        const picked = new Set<number>();
        const stride = (steps.length - 1) / Math.max(1, maxResults - 1);
        for (let i = 0; i < maxResults; i++) picked.add(steps[Math.round(i * stride)] as number);
        keep = [...picked];
      }
      const wanted = new Set(keep);
      for (const p of points.filter((q) => wanted.has(q.step)).sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)) out.push({ ...metricJson(p), run_id: runId });
    }
    return { metrics: out };
  });
  app.get(`${BASE}/artifacts/list`, async (req) => {
    const f = new Fields(req);
    const runId = f.string('run_id', 'run_uuid');
    const path = f.optionalString('path');
    const run = await req.ml.tracking.getRun(runId);
    const files = await req.ml.tracking.listArtifacts(runId, path || undefined);
    return { root_uri: advertise(req.ml, run.info.artifactUri), files: files.map(fileInfoJson) };
  });
}
