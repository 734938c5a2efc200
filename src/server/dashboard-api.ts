import type { FastifyInstance } from 'fastify';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { AuditQuery } from '../governance/audit-log.js';
import { ACTIONS, type ResourceKind } from '../governance/rbac.js';
import './request-context.js';
import { Fields } from './mlflow/params.js';

const BASE = '/api/2.0/mlops';

/**
 * JSON routes the dashboard needs beyond MLflow's API: who am I, chart series, model version detail,
 * feature views, served models, monitors and the audit log. Same auth, RBAC and error bodies.
 */
export function registerDashboardApi(app: FastifyInstance): void {
  app.get(`${BASE}/whoami`, async (req) => {
    const { principal, authorizer } = req.ml;
    const kinds: ResourceKind[] = ['experiment', 'run', 'registered_model', 'feature_view', 'audit'];
    const can = Object.fromEntries(kinds.map((k) => [k, ACTIONS.filter((a) => authorizer.can(principal, a, k))]));
    return { id: principal.id, roles: principal.roles, can };
  });

  // Up to 100 runs' series of one metric, reduced in SQL so that 100 x 10,000 points draw at once.
  app.get(`${BASE}/metric-series`, async (req) => {
    const f = new Fields(req);
    const runIds = (f.stringList('run_ids') ?? []).flatMap((s) => s.split(',')).filter((s) => s.length > 0);
    if (runIds.length === 0 || runIds.length > 100) throw new InvalidArgumentError(`Invalid run_ids: give 1 to 100 run ids (got ${runIds.length})`);
    const x = f.optionalString('x') ?? 'step';
    if (x !== 'step' && x !== 'time') throw new InvalidArgumentError(`Invalid x: ${JSON.stringify(x)} must be step or time`);
    const maxPoints = f.optionalInt('max_points') ?? 1000;
    const key = f.string('key');
    const series = await Promise.all(runIds.map(async (runId) => ({ runId, ...(await req.ml.tracking.getMetricSeries(runId, key, { x, maxPoints })) })));
    return { key, x, series };
  });

  app.get(`${BASE}/model-versions/detail`, async (req) => {
    const f = new Fields(req);
    const name = f.string('name');
    const version = f.int('version');
    const [v, history] = await Promise.all([req.ml.registry.getModelVersion(name, version), req.ml.registry.getApprovalHistory(name, version)]);
    return { version: v, history };
  });

  app.get(`${BASE}/features/views`, async (req) => {
    const [views, services, stats] = await Promise.all([req.ml.features.listFeatureViews(), req.ml.features.listFeatureServices(), req.ml.features.viewStats()]);
    const now = req.ml.clock.now();
    return {
      views: views.map((v) => {
        const s = stats[v.name];
        return { ...v, online: s?.online, newestEventTs: s?.newestEventTs ?? null, freshnessSeconds: s?.newestEventTs != null ? Math.max(0, (now - s.newestEventTs) / 1000) : null };
      }),
      services,
    };
  });

  // Kill switch: the banner reads status; the red button per model posts halt (resume needs a second person).
  app.get(`${BASE}/controls/status`, async (req) => req.ml.controls.refresh());
  const target = (f: Fields) => {
    const route = f.optionalString('route');
    if (f.optionalString('all') === 'true') return { all: true as const };
    return { model: f.string('model'), ...(route !== undefined ? { route } : {}) };
  };
  app.post(`${BASE}/controls/halt`, async (req) => ({ halt: await req.ml.controls.halt(target(new Fields(req)), { reason: new Fields(req).string('reason') }) }));
  app.post(`${BASE}/controls/resume`, async (req) => {
    await req.ml.controls.resume(target(new Fields(req)), { reason: new Fields(req).string('reason') });
    return {};
  });

  app.get(`${BASE}/serving/models`, async (req) => ({
    models: req.ml.serving.list().map((m) => ({
      name: m.name,
      version: m.version,
      halted: (m.gate as { halted?: unknown } | undefined)?.halted !== undefined,
      provider: m.provider,
      ready: m.ready,
      deterministic: m.deterministic,
      queueDepth: m.queueDepth,
      stats: { ...m.stats },
      meanBatchSize: m.stats.batches > 0 ? m.stats.rows / m.stats.batches : null,
      latency: m.recentLatency(),
      inputs: m.signature.inputs,
      outputs: m.signature.outputs,
    })),
  }));

  app.get(`${BASE}/monitoring/monitors`, async (req) => ({
    monitors: req.ml.monitoring.list().map((m) => ({ name: m.name, windowRows: m.windowRows, report: m.lastReport ?? null, histograms: m.histograms(), quality: m.dataQuality() })),
  }));
  app.post(`${BASE}/monitoring/report`, async (req) => {
    const name = new Fields(req).string('name');
    const monitor = req.ml.monitoring.list().find((m) => m.name === name);
    if (monitor === undefined) throw new NotFoundError(`Monitor ${JSON.stringify(name)} does not exist`);
    return { report: monitor.report() };
  });

  app.get(`${BASE}/audit/records`, async (req) => {
    const f = new Fields(req);
    const q: AuditQuery = {};
    const actor = f.optionalString('actor');
    const action = f.optionalString('action');
    const resource = f.optionalString('resource');
    const kind = f.optionalString('resource_kind');
    const limit = f.optionalInt('limit');
    const afterSeq = f.optionalInt('after_seq');
    if (actor) q.actor = actor;
    if (action) q.action = action;
    if (resource) q.resource = resource;
    if (kind) q.resourceKind = kind as ResourceKind;
    if (limit !== undefined) q.limit = limit;
    if (afterSeq !== undefined) q.afterSeq = afterSeq;
    return { records: await req.ml.audit.query(q) };
  });
  app.get(`${BASE}/audit/verify`, async (req) => req.ml.audit.verify());
}
