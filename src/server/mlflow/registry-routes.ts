import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Mlops } from '../../runtime.js';
import type { ModelSource, ModelVersion, RegisteredModel } from '../../registry/types.js';
import '../request-context.js';
import { Fields } from './params.js';
import { approvalEventJson, fromKeyValues, modelVersionJson, registeredModelJson } from './shapes.js';

const BASE = '/api/2.0/mlflow';
/** Governance beyond MLflow: four-eyes approval, on the same JSON conventions. */
const MLOPS = '/api/2.0/mlops';

async function registeredJson(ml: Mlops, m: RegisteredModel) {
  const latest = m.latestVersion !== null ? [await ml.registry.getModelVersion(m.name, m.latestVersion).catch(() => undefined)] : [];
  return registeredModelJson(m, latest.filter((v) => v !== undefined));
}

function version(f: Fields): number {
  return f.int('version');
}

/**
 * MLflow's `source` for a new version: `runs:/<run_id>/<path>`, or a path inside the run named by
 * `run_id` (a run's artifact URI followed by the path, as MLflow's clients send it).
 */
async function modelSource(ml: Mlops, source: string, runId: string | undefined): Promise<ModelSource> {
  const m = /^runs:\/([0-9a-f]{32})\/(.+)$/.exec(source);
  if (m?.[1] !== undefined && m[2] !== undefined) return { runId: m[1], path: m[2] };
  if (runId !== undefined) {
    const run = await ml.tracking.getRun(runId);
    const root = run.info.artifactUri.replace(/\/+$/, '');
    if (source.startsWith(`${root}/`)) return { runId, path: source.slice(root.length + 1) };
    if (!source.includes(':') && !source.startsWith('/')) return { runId, path: source };
  }
  throw new InvalidArgumentError(
    `Invalid value ${JSON.stringify(source)} for parameter 'source': expected runs:/<run_id>/<path>, or run_id with a path inside that run's artifacts`,
    { details: { field: 'source' } },
  );
}

/** Registered models, versions and aliases as mlflow/protos/model_registry.proto defines them. */
export function registerRegistryRoutes(app: FastifyInstance): void {
  app.post(`${BASE}/registered-models/create`, async (req) => {
    const f = new Fields(req);
    const description = f.optionalString('description');
    const m = await req.ml.registry.createRegisteredModel({ name: f.string('name'), tags: fromKeyValues(f.raw('tags'), 'tags'), ...(description !== undefined ? { description } : {}) });
    return { registered_model: registeredModelJson(m) };
  });
  app.get(`${BASE}/registered-models/get`, async (req) => {
    const m = await req.ml.registry.getRegisteredModel(new Fields(req).string('name'));
    return { registered_model: await registeredJson(req.ml, m) };
  });
  app.post(`${BASE}/registered-models/rename`, async (req) => {
    const f = new Fields(req);
    return { registered_model: registeredModelJson(await req.ml.registry.renameRegisteredModel(f.string('name'), f.string('new_name'))) };
  });
  app.patch(`${BASE}/registered-models/update`, async (req) => {
    const f = new Fields(req);
    return { registered_model: registeredModelJson(await req.ml.registry.updateRegisteredModel(f.string('name'), { description: f.optionalString('description') ?? '' })) };
  });
  app.delete(`${BASE}/registered-models/delete`, async (req) => {
    await req.ml.registry.deleteRegisteredModel(new Fields(req).string('name'));
    return {};
  });
  app.get(`${BASE}/registered-models/search`, async (req) => {
    const r = await req.ml.registry.searchRegisteredModels(new Fields(req).searchOptions());
    const models = await Promise.all(r.registeredModels.map((m) => registeredJson(req.ml, m)));
    return { registered_models: models, ...(r.nextPageToken !== undefined ? { next_page_token: r.nextPageToken } : {}) };
  });
  app.post(`${BASE}/registered-models/set-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.setRegisteredModelTag(f.string('name'), f.string('key'), f.optionalString('value') ?? '');
    return {};
  });
  app.delete(`${BASE}/registered-models/delete-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.deleteRegisteredModelTag(f.string('name'), f.string('key'));
    return {};
  });
  app.post(`${BASE}/registered-models/alias`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.setAlias(f.string('name'), f.string('alias'), version(f));
    return {};
  });
  app.delete(`${BASE}/registered-models/alias`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.deleteAlias(f.string('name'), f.string('alias'));
    return {};
  });
  app.get(`${BASE}/registered-models/alias`, async (req) => {
    const f = new Fields(req);
    return { model_version: modelVersionJson(await req.ml.registry.getModelVersionByAlias(f.string('name'), f.string('alias'))) };
  });

  app.post(`${BASE}/model-versions/create`, async (req) => {
    const f = new Fields(req);
    const description = f.optionalString('description');
    const source = await modelSource(req.ml, f.string('source'), f.optionalString('run_id'));
    const v = await req.ml.registry.createModelVersion({
      name: f.string('name'),
      source,
      tags: fromKeyValues(f.raw('tags'), 'tags'),
      ...(description !== undefined ? { description } : {}),
    });
    return { model_version: modelVersionJson(v) };
  });
  app.get(`${BASE}/model-versions/get`, async (req) => {
    const f = new Fields(req);
    return { model_version: modelVersionJson(await req.ml.registry.getModelVersion(f.string('name'), version(f))) };
  });
  app.patch(`${BASE}/model-versions/update`, async (req) => {
    const f = new Fields(req);
    return { model_version: modelVersionJson(await req.ml.registry.updateModelVersion(f.string('name'), version(f), { description: f.optionalString('description') ?? '' })) };
  });
  app.delete(`${BASE}/model-versions/delete`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.deleteModelVersion(f.string('name'), version(f));
    return {};
  });
  app.get(`${BASE}/model-versions/search`, async (req) => {
    const r = await req.ml.registry.searchModelVersions(new Fields(req).searchOptions());
    return { model_versions: r.modelVersions.map(modelVersionJson), ...(r.nextPageToken !== undefined ? { next_page_token: r.nextPageToken } : {}) };
  });
  app.post(`${BASE}/model-versions/set-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.setModelVersionTag(f.string('name'), version(f), f.string('key'), f.optionalString('value') ?? '');
    return {};
  });
  app.delete(`${BASE}/model-versions/delete-tag`, async (req) => {
    const f = new Fields(req);
    await req.ml.registry.deleteModelVersionTag(f.string('name'), version(f), f.string('key'));
    return {};
  });
  app.get(`${BASE}/model-versions/get-download-uri`, async (req) => {
    const f = new Fields(req);
    const resolved = await req.ml.registry.resolve(`${f.string('name')}/${version(f)}`);
    return { artifact_uri: resolved.uri };
  });

  // Four-eyes approval (not in MLflow).
  const transition = (path: string, act: (ml: Mlops, name: string, v: number, reason: string | undefined) => Promise<ModelVersion>) => {
    app.post(`${MLOPS}/model-versions/${path}`, async (req) => {
      const f = new Fields(req);
      // Each transition returns the version as it now is: no second read.
      return { model_version: modelVersionJson(await act(req.ml, f.string('name'), version(f), f.optionalString('reason'))) };
    });
  };
  transition('request-approval', (ml, n, v, reason) => ml.registry.requestApproval(n, v, reason !== undefined ? { reason } : {}));
  transition('approve', (ml, n, v, reason) => ml.registry.approve(n, v, reason !== undefined ? { reason } : {}));
  transition('reject', (ml, n, v, reason) => ml.registry.reject(n, v, { reason: reason ?? '' }));
  transition('revoke', (ml, n, v, reason) => ml.registry.revoke(n, v, { reason: reason ?? '' }));
  app.get(`${MLOPS}/model-versions/approval-history`, async (req) => {
    const f = new Fields(req);
    return { events: (await req.ml.registry.getApprovalHistory(f.string('name'), version(f))).map(approvalEventJson) };
  });
}
