import type { AuditRecord } from '../governance/index.js';
import { aliasHistory } from '../registry/index.js';
import type { AliasPeriod, ApprovalEvent, ModelSignature } from '../registry/index.js';
import type { Run } from '../tracking/index.js';
import type { ControlsView } from './engine-view.js';
import type { StoredPolicy } from './policies.js';
import type { VersionControls } from './version-controls.js';

/** Everything an auditor needs about one model version, in one JSON document (see docs). */
export interface EvidencePack {
  kind: 'mlops.evidence/v1';
  generatedAt: number;
  model: { name: string; description: string; createdBy: string; tags: Record<string, string> };
  artifact: { version: number; format: string; sha256: string; size: number; source: string; status: string; createdBy: string; creationTime: number; signature: ModelSignature | null; columns: Record<string, string[]> };
  lineage: {
    runId: string | null;
    run: { experimentId: string; runName: string; userId: string; status: string; startTime: number; endTime: number | null } | null;
    params: Record<string, string>;
    metrics: Record<string, number>;
    datasets: Array<{ name: string; digest: string; sourceType: string; source: string; context?: string }>;
    /** Feature views whose features the input columns name (`view:feature` or a feature's name), at their current version. */
    featureViews: Array<{ view: string; version: number; features: string[] }>;
  };
  approval: { state: string; policy: StoredPolicy | null; transitions: ApprovalEvent[] };
  aliases: { current: string[]; history: Record<string, AliasPeriod[]> };
  halts: Array<{ action: 'halt' | 'resume'; target: string; actor: string; reason: string | null; ts: number; seq: number }>;
  guards: VersionControls | null;
  drift: { referenceProfile: { columns: string[]; createdAt: number } | null };
  audit: { records: AuditRecord[]; chain: { ok: boolean; checked: number; firstBrokenSeq?: number; headSeq: number; headHash: string } };
  summary: string[];
}

async function allRecords(engine: ControlsView, resource: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await engine.deps.audit.query({ resourceKind: 'registered_model', resource, afterSeq, limit: 10_000 });
    out.push(...page);
    if (page.length < 10_000) return out;
    afterSeq = (page[page.length - 1] as AuditRecord).seq;
  }
}

/** Whether an audit record of the model concerns this version (or the whole model: policy, halts). */
function concerns(r: AuditRecord, version: number): boolean {
  const v = r.details?.version;
  if (v !== undefined) return Number(v) === version;
  return r.action.startsWith('controls.') || r.action === 'registry.policy.set' || r.action.startsWith('registered_model.');
}

export async function buildEvidence(engine: ControlsView, name: string, version: number): Promise<EvidencePack> {
  const registry = engine.deps.registry;
  const [model, mv] = await Promise.all([registry.models.get(name), registry.versions.get(name, version)]);
  const [transitions, policy, guards, records, everyModel] = await Promise.all([
    registry.approvals.history(name, mv.version),
    engine.policies.get(name),
    engine.versionControls(name, mv.version),
    allRecords(engine, name),
    allRecords(engine, '*'),
  ]);
  let run: Run | null = null;
  if (mv.runId !== undefined) run = await engine.deps.readers.getRun(mv.runId).catch(() => null);
  const aliasNames = [...new Set(records.filter((r) => r.action === 'alias.set' || r.action === 'alias.remove').map((r) => String(r.details?.alias)))];
  const history: Record<string, AliasPeriod[]> = {};
  const read = engine.deps.audit.query.bind(engine.deps.audit);
  for (const alias of aliasNames) {
    const periods = (await aliasHistory(read, name, alias)).filter((p) => p.version === mv.version);
    if (periods.length > 0) history[alias] = periods;
  }
  const haltRecords = [...records, ...everyModel].filter((r) => r.action === 'controls.halt' || r.action === 'controls.resume').sort((a, b) => a.seq - b.seq);
  const reference = await engine.deps.readers.loadReference(name, mv.version).catch(() => undefined);
  const [verification, head] = await Promise.all([engine.deps.audit.verify(), engine.deps.audit.head()]);
  const columns = Object.fromEntries((mv.signature?.inputs ?? []).filter((i) => i.columns !== undefined).map((i) => [i.name, i.columns as string[]]));
  const mine = [...records.filter((r) => concerns(r, mv.version)), ...everyModel.filter((r) => r.action.startsWith('controls.'))].sort((a, b) => a.seq - b.seq);
  const pack: EvidencePack = {
    kind: 'mlops.evidence/v1',
    generatedAt: engine.deps.clock.now(),
    model: { name: model.name, description: model.description, createdBy: model.createdBy, tags: model.tags },
    artifact: {
      version: mv.version,
      format: mv.format,
      sha256: mv.sha256,
      size: mv.size,
      source: mv.source,
      status: mv.status,
      createdBy: mv.createdBy,
      creationTime: mv.creationTime,
      signature: mv.signature,
      columns,
    },
    lineage: {
      runId: mv.runId ?? null,
      run: run === null ? null : { experimentId: run.info.experimentId, runName: run.info.runName, userId: run.info.userId, status: run.info.status, startTime: run.info.startTime, endTime: run.info.endTime },
      params: run?.data.params ?? {},
      metrics: run?.data.metrics ?? {},
      datasets: (run?.inputs.datasetInputs ?? []).map((d) => {
        const context = d.tags.find((t) => t.key === 'mlflow.data.context')?.value;
        return { name: d.dataset.name, digest: d.dataset.digest, sourceType: d.dataset.sourceType, source: d.dataset.source, ...(context !== undefined ? { context } : {}) };
      }),
      featureViews: featureViewsOf(Object.values(columns).flat(), engine.deps.featureViews()),
    },
    approval: { state: mv.approval, policy, transitions },
    aliases: { current: mv.aliases, history },
    halts: haltRecords.map((r) => ({ action: r.action === 'controls.halt' ? 'halt' : 'resume', target: String(r.details?.target ?? r.resource), actor: r.actor, reason: r.reason, ts: r.ts, seq: r.seq })),
    guards: guards ?? null,
    drift: { referenceProfile: reference === undefined ? null : { columns: Object.keys(reference.columns), createdAt: reference.createdAt } },
    audit: { records: mine, chain: { ...verification, headSeq: head.seq, headHash: head.hash } },
    summary: [],
  };
  pack.summary = summarize(pack);
  return pack;
}

/** The views (and their versions) that hold the features a version's input columns name. */
function featureViewsOf(columns: string[], views: Array<{ name: string; version: number; schema: Record<string, unknown> }>): Array<{ view: string; version: number; features: string[] }> {
  const out: Array<{ view: string; version: number; features: string[] }> = [];
  for (const v of views) {
    const features = columns.filter((c) => (c.startsWith(`${v.name}:`) && c.slice(v.name.length + 1) in v.schema) || (!c.includes(':') && c in v.schema));
    if (features.length > 0) out.push({ view: v.name, version: v.version, features });
  }
  return out.sort((a, b) => (a.view < b.view ? -1 : 1));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A few lines for people: what the version is, who approved it, where it was live, whether the chain holds. */
export function summarize(p: EvidencePack): string[] {
  const approvedBy = p.approval.transitions.filter((t) => t.to === 'approved' || (t.from === 'pending_approval' && t.to === 'pending_approval')).map((t) => t.actor);
  const live = Object.entries(p.aliases.history).map(([a, ps]) => `${a} ${ps.length}x (${ps.map((x) => `${iso(x.from)}..${x.to === null ? 'now' : iso(x.to)}`).join(', ')})`);
  return [
    `${p.model.name}/${p.artifact.version}: sha256 ${p.artifact.sha256.slice(0, 16)}…, ${p.artifact.size} bytes, registered by ${p.artifact.createdBy} at ${iso(p.artifact.creationTime)}`,
    `lineage: ${p.lineage.runId === null ? 'no source run' : `run ${p.lineage.runId} (${Object.keys(p.lineage.params).length} params, ${Object.keys(p.lineage.metrics).length} metrics, ${p.lineage.datasets.length} datasets, ${p.lineage.featureViews.length} feature views)`}`,
    `approval: ${p.approval.state}${approvedBy.length > 0 ? ` by ${[...new Set(approvedBy)].join(', ')}` : ''}; policy ${p.approval.policy === null ? 'none' : `${p.approval.policy.requires.length} requirement(s), digest ${p.approval.policy.digest.slice(0, 12)}…`}`,
    `aliases: ${live.length === 0 ? 'never live' : live.join('; ')}`,
    `halts: ${p.halts.filter((h) => h.action === 'halt').length} halt(s), ${p.halts.filter((h) => h.action === 'resume').length} resume(s)`,
    `guards: ${p.guards === null ? 'none stored' : `${Object.keys(p.guards.guards).join(', ')} (${p.guards.onViolation})`}`,
    `audit: ${p.audit.records.length} records; chain ${p.audit.chain.ok ? 'intact' : `BROKEN at ${p.audit.chain.firstBrokenSeq}`} (${p.audit.chain.checked} checked, head ${p.audit.chain.headSeq} ${p.audit.chain.headHash.slice(0, 16)}…)`,
  ];
}
