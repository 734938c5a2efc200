import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import { LOGGED_MODEL_STATUSES } from '../../tracking/types.js';
import '../request-context.js';
import { advertise, advertiser } from './artifact-uris.js';
import { Fields } from './params.js';
import { fileInfoJson, fromKeyValues, loggedModelJson } from './shapes.js';

const BASE = '/api/2.0/mlflow';

const modelIdOf = (req: FastifyRequest) => (req.params as { model_id: string }).model_id;

/** FinalizeLoggedModel's status: the enum's name, or its number as protobuf JSON allows. */
function statusOf(f: Fields): string {
  const raw = f.string('status');
  const byNumber: Record<string, string> = { '1': 'LOGGED_MODEL_PENDING', '2': 'LOGGED_MODEL_READY', '3': 'LOGGED_MODEL_UPLOAD_FAILED' };
  const status = byNumber[raw] ?? raw;
  if (!(LOGGED_MODEL_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError(`Invalid value ${JSON.stringify(raw)} for parameter 'status': expected one of ${LOGGED_MODEL_STATUSES.join(', ')}`, { details: { field: 'status' } });
  }
  return status;
}

/** SearchLoggedModels' `order_by`: `[{ field_name, ascending }]` as the library's `'<field> ASC|DESC'`. */
function orderBy(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(raw)} for parameter 'order_by': expected a list of { field_name, ascending }`, { details: { field: 'order_by' } });
  return raw.map((o: unknown, i) => {
    if (typeof o === 'string') return o;
    const e = (o ?? {}) as { field_name?: unknown; ascending?: unknown };
    if (typeof e.field_name !== 'string') throw new InvalidArgumentError(`Invalid value for parameter 'order_by[${i}].field_name': expected a string`, { details: { field: `order_by[${i}]` } });
    return `${e.field_name} ${e.ascending === false ? 'DESC' : 'ASC'}`;
  });
}

/**
 * MLflow 3's logged models (service.proto: CreateLoggedModel … ListLoggedModelArtifacts) and the run
 * links MLflow 3's `log_model` writes (`runs/outputs`, `runs/log-model`).
 */
export function registerLoggedModelRoutes(app: FastifyInstance): void {
  app.post(`${BASE}/logged-models`, async (req) => {
    const f = new Fields(req);
    const opt = (name: string) => f.optionalString(name) || undefined;
    const [experimentId, name, modelType, sourceRunId] = [opt('experiment_id'), opt('name'), opt('model_type'), opt('source_run_id')];
    const model = await req.ml.tracking.createLoggedModel({
      ...(experimentId !== undefined ? { experimentId } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(modelType !== undefined ? { modelType } : {}),
      ...(sourceRunId !== undefined ? { sourceRunId } : {}),
      params: fromKeyValues(f.raw('params'), 'params'),
      tags: fromKeyValues(f.raw('tags'), 'tags'),
    });
    return { model: loggedModelJson(model, advertiser(req.ml)) };
  });
  app.post(`${BASE}/logged-models/search`, async (req) => {
    const f = new Fields(req);
    const maxResults = f.optionalInt('max_results');
    const pageToken = f.optionalString('page_token');
    const filter = f.optionalString('filter');
    const order = orderBy(f.raw('order_by'));
    const r = await req.ml.tracking.searchLoggedModels({
      experimentIds: f.stringList('experiment_ids') ?? [],
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(pageToken ? { pageToken } : {}),
      ...(filter ? { filter } : {}),
      ...(order !== undefined ? { orderBy: order } : {}),
    });
    const uri = advertiser(req.ml);
    return { models: r.models.map((m) => loggedModelJson(m, uri)), ...(r.nextPageToken !== undefined ? { next_page_token: r.nextPageToken } : {}) };
  });
  app.get(`${BASE}/logged-models/:model_id`, async (req) => ({ model: loggedModelJson(await req.ml.tracking.getLoggedModel(modelIdOf(req)), advertiser(req.ml)) }));
  app.patch(`${BASE}/logged-models/:model_id`, async (req) => {
    const f = new Fields(req);
    const model = await req.ml.tracking.finalizeLoggedModel(modelIdOf(req), statusOf(f) as 'LOGGED_MODEL_READY');
    return { model: loggedModelJson(model, advertiser(req.ml)) };
  });
  app.delete(`${BASE}/logged-models/:model_id`, async (req) => {
    await req.ml.tracking.deleteLoggedModel(modelIdOf(req));
    return {};
  });
  app.patch(`${BASE}/logged-models/:model_id/tags`, async (req) => {
    await req.ml.tracking.setLoggedModelTags(modelIdOf(req), fromKeyValues(new Fields(req).raw('tags'), 'tags'));
    return {};
  });
  app.delete(`${BASE}/logged-models/:model_id/tags/:tag_key`, async (req) => {
    await req.ml.tracking.deleteLoggedModelTag(modelIdOf(req), (req.params as { tag_key: string }).tag_key);
    return {};
  });
  app.post(`${BASE}/logged-models/:model_id/params`, async (req) => {
    await req.ml.tracking.logLoggedModelParams(modelIdOf(req), fromKeyValues(new Fields(req).raw('params'), 'params'));
    return {};
  });
  app.get(`${BASE}/logged-models/:model_id/artifacts/directories`, async (req) => {
    const f = new Fields(req);
    const modelId = modelIdOf(req);
    const path = (f.optionalString('artifact_directory_path') ?? '').replace(/\/+$/, '');
    const [model, files] = await Promise.all([req.ml.tracking.getLoggedModel(modelId), req.ml.tracking.listModelArtifacts(modelId, path || undefined)]);
    return { root_uri: advertise(req.ml, model.artifactLocation), files: files.map(fileInfoJson) };
  });
  app.get(`${BASE}/logged-models/:model_id/artifacts/files`, async (req, reply) => {
    const path = new Fields(req).string('artifact_file_path');
    const stream = await req.ml.tracking.openModelArtifact(modelIdOf(req), path);
    return reply.type('application/octet-stream').send(stream);
  });

  // service.proto's LogOutputs is POST runs/outputs (what MLflow 3's RestStore calls); runs/log-outputs
  // is kept as the name the rest of the runs API would suggest.
  const logOutputs = async (req: FastifyRequest) => {
    const f = new Fields(req);
    const models = f.raw('models') ?? [];
    if (!Array.isArray(models)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(models)} for parameter 'models': expected a list of { model_id, step }`, { details: { field: 'models' } });
    await req.ml.tracking.logOutputs(
      f.string('run_id'),
      models.map((m: unknown) => {
        const e = (m ?? {}) as { model_id?: unknown; step?: unknown };
        const step = typeof e.step === 'string' && /^-?\d+$/.test(e.step) ? Number(e.step) : e.step;
        return { modelId: e.model_id as string, ...(step != null ? { step: step as number } : {}) };
      }),
    );
    return {};
  };
  app.post(`${BASE}/runs/outputs`, logOutputs);
  app.post(`${BASE}/runs/log-outputs`, logOutputs);
  // MLflow 2's record of a logged model on its run (`mlflow.log-model.history` tag), still sent by clients.
  app.post(`${BASE}/runs/log-model`, async (req) => {
    const f = new Fields(req);
    const runId = f.string('run_id');
    const modelJson = f.string('model_json');
    let entry: unknown;
    try {
      entry = JSON.parse(modelJson);
    } catch {
      throw new InvalidArgumentError("Invalid value for parameter 'model_json': not JSON", { details: { field: 'model_json' } });
    }
    const run = await req.ml.tracking.getRun(runId);
    const key = 'mlflow.log-model.history';
    let history: unknown[] = [];
    try {
      const old: unknown = JSON.parse(run.data.tags[key] ?? '[]');
      if (Array.isArray(old)) history = old;
    } catch {
      // a hand-set tag that is not a list: start a new one
    }
    history.push(entry);
    // The tag keeps the newest entries that fit MLflow's tag value limit.
    let value = JSON.stringify(history);
    while (value.length > 8000 && history.length > 1) value = JSON.stringify((history = history.slice(1)));
    if (value.length <= 8000) await req.ml.tracking.setTag(runId, key, value);
    return {};
  });
}
