import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import type { Mlops } from '../../runtime.js';
import type { ModelSource, ModelVersion, RegisteredModel } from '../../registry/types.js';
import '../request-context.js';
import { advertise, locateProxyPath, proxyPathOf } from './artifact-uris.js';
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
 * MLflow's `source` for a new version: `runs:/<run_id>/<path>` (one ONNX file or a model folder),
 * `models:/<model_id>` or a `model_id` (MLflow 3's logged models), `models:/<name>/<version>` or
 * `models:/<name>@<alias>` (a copy of a registered version), an artifact URI of this server
 * (`mlflow-artifacts:/…`, or the store's own `file://`/`s3://` URI), or a path inside the run named
 * by `run_id`.
 */
async function modelSource(ml: Mlops, source: string, runId: string | undefined, modelId: string | undefined): Promise<ModelSource> {
  if (modelId !== undefined) return { modelId };
  const runs = /^runs:\/([0-9a-f]{32})\/(.+)$/.exec(source);
  if (runs?.[1] !== undefined && runs[2] !== undefined) return { runId: runs[1], path: runs[2] };
  const logged = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source);
  if (logged?.[1] !== undefined) return { modelId: logged[1] };
  if (source.startsWith('models:/')) {
    const v = await ml.registry.resolve(source);
    const found = await ml.registry.getModelVersion(v.name, v.version);
    if (found.modelId !== undefined) return { modelId: found.modelId };
    const from = /^runs:\/([0-9a-f]{32})\/(.+)$/.exec(found.source);
    if (from?.[1] !== undefined && from[2] !== undefined) return { runId: from[1], path: from[2] };
    return { bytes: await ml.registry.readModelVersionArtifact(v.name, v.version) };
  }
  const proxied = proxyPathOf(ml, source);
  if (proxied !== undefined) {
    const t = locateProxyPath(proxied, 'source');
    if (t.kind === 'model') return { modelId: t.modelId };
    if (t.path !== '') return { runId: t.runId, path: t.path };
  }
  if (runId !== undefined && !source.includes(':') && !source.startsWith('/')) return { runId, path: source };
  throw new InvalidArgumentError(
    `Invalid value ${JSON.stringify(source)} for parameter 'source': expected runs:/<run_id>/<path>, models:/<model_id>, models:/<name>/<version>, an mlflow-artifacts:/ URI of this server, or run_id with a path inside that run's artifacts`,
    { details: { field: 'source' } },
  );
}

/** Stages were deprecated in MLflow 2.9; this registry has aliases and four-eyes approval instead. */
const STAGES_DEPRECATED =
  "Model stages are deprecated in MLflow and not kept by this registry (every version's current_stage is 'None'): use aliases (POST registered-models/alias, e.g. alias 'champion'), which require an approved version (four-eyes approval under /api/2.0/mlops)";

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
    return { registered_model: await registeredJson(req.ml, await req.ml.registry.renameRegisteredModel(f.string('name'), f.string('new_name'))) };
  });
  app.patch(`${BASE}/registered-models/update`, async (req) => {
    const f = new Fields(req);
    // Without a description the model is returned unchanged, as MLflow does (it never wipes it).
    const description = f.optionalString('description');
    const m = description !== undefined ? await req.ml.registry.updateRegisteredModel(f.string('name'), { description }) : await req.ml.registry.getRegisteredModel(f.string('name'));
    return { registered_model: await registeredJson(req.ml, m) };
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
    const source = await modelSource(req.ml, f.optionalString('source') ?? '', f.optionalString('run_id') || undefined, f.optionalString('model_id') || undefined);
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
    const description = f.optionalString('description');
    const v = description !== undefined ? await req.ml.registry.updateModelVersion(f.string('name'), version(f), { description }) : await req.ml.registry.getModelVersion(f.string('name'), version(f));
    return { model_version: modelVersionJson(v) };
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
    const name = f.string('name');
    const v = await req.ml.registry.getModelVersion(name, version(f));
    // MLflow answers the model's folder, which clients download whole (MLmodel included).
    if (v.modelId !== undefined) return { artifact_uri: advertise(req.ml, (await req.ml.tracking.getLoggedModel(v.modelId)).artifactLocation) };
    const from = /^runs:\/([0-9a-f]{32})\/(.+)$/.exec(v.source);
    if (from?.[1] !== undefined && from[2] !== undefined) return { artifact_uri: `${advertise(req.ml, (await req.ml.tracking.getRun(from[1])).info.artifactUri)}/${from[2]}` };
    return { artifact_uri: (await req.ml.registry.resolve(`${name}/${v.version}`)).uri };
  });

  // Deprecated in MLflow 3 but still called by models:/<name>/latest and stage URIs: the newest
  // version is the latest of stage 'None', the only stage there is.
  const latestVersions = async (ml: Mlops, f: Fields) => {
    const stages = f.stringList('stages') ?? [];
    const m = await ml.registry.getRegisteredModel(f.string('name'));
    if (m.latestVersion === null || (stages.length > 0 && !stages.some((s) => s.toLowerCase() === 'none'))) return { model_versions: [] };
    return { model_versions: [modelVersionJson(await ml.registry.getModelVersion(m.name, m.latestVersion))] };
  };
  app.post(`${BASE}/registered-models/get-latest-versions`, async (req) => latestVersions(req.ml, new Fields(req)));
  app.get(`${BASE}/registered-models/get-latest-versions`, async (req) => latestVersions(req.ml, new Fields(req)));
  app.post(`${BASE}/model-versions/transition-stage`, async (req) => {
    const f = new Fields(req);
    const stage = f.string('stage');
    const v = await req.ml.registry.getModelVersion(f.string('name'), version(f));
    // Moving to 'None' is what every version already is; anything else is refused with the way forward.
    if (stage.toLowerCase() === 'none') return { model_version: modelVersionJson(v) };
    throw new InvalidArgumentError(`${STAGES_DEPRECATED}. Refused: stage ${JSON.stringify(stage)}`, { details: { field: 'stage' } });
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
