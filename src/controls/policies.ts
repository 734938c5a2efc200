import { createHash } from 'node:crypto';
import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import { FailedPreconditionError, InvalidArgumentError } from '../core/errors.js';
import type { AuditSink } from '../governance/index.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { DriftReport, ReferenceProfile } from '../monitoring/index.js';
import { checkModelName } from '../registry/index.js';
import type { ModelVersion } from '../registry/index.js';
import { checkKey } from '../search/index.js';
import type { Run } from '../tracking/index.js';
import { bumpControls } from './kill-switch.js';

export const POLICY_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type PolicyOperator = (typeof POLICY_OPERATORS)[number];

/** One thing an approval needs. */
export type Requirement =
  /** The source run's final value of a metric compared with a threshold. */
  | { metric: string; op: PolicyOperator; value: number }
  /** A file the source run must hold (e.g. `backtest/report.json`). */
  | { artifact: string }
  /**
   * Evaluation data the run holds (`data`, a JSON artifact of rows or columns) must not have drifted
   * from the reference profile stored with the version (ml.monitoring.saveReference).
   */
  | { drift: { data: string; driftShare?: number } }
  /** Distinct approvers (besides the four-eyes rule, which always holds). */
  | { approvers: number };

export interface ApprovalPolicy {
  requires: Requirement[];
}

export interface StoredPolicy extends ApprovalPolicy {
  setBy: string;
  ts: number;
  /** sha256 of the policy's canonical JSON, recorded with each approval made under it. */
  digest: string;
}

/** What a policy check reads, wired by the runtime to the tracking and monitoring modules. */
export interface PolicyReaders {
  getRun(runId: string): Promise<Run>;
  artifactExists(runId: string, path: string): Promise<boolean>;
  readArtifact(runId: string, path: string): Promise<Uint8Array>;
  loadReference(name: string, version: number): Promise<ReferenceProfile | undefined>;
  compare(reference: ReferenceProfile, current: unknown, driftShare: number | undefined): DriftReport;
}

const COMPARE: Record<PolicyOperator, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

function fail(field: string, message: string): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${message}`, { details: { field } });
}

function only(r: Record<string, unknown>, keys: string[], field: string): void {
  for (const k of Object.keys(r)) if (!keys.includes(k)) fail(`${field}.${k}`, `this requirement takes ${keys.join(', ')}`);
}

/** Checks a policy; every mistake names its field (`requires[1].op`), and nothing is stored. */
export function checkApprovalPolicy(value: unknown): ApprovalPolicy {
  if (value === null || typeof value !== 'object' || !Array.isArray((value as { requires?: unknown }).requires)) fail('policy', 'expected { requires: [...] }');
  only(value as Record<string, unknown>, ['requires'], 'policy');
  const list = (value as { requires: unknown[] }).requires;
  if (list.length > 100) fail('requires', `${list.length} requirements, at most 100`);
  let approvers = false;
  const requires = list.map((raw, i): Requirement => {
    const f = `requires[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(f, 'expected { metric, op, value }, { artifact }, { drift } or { approvers }');
    const r = raw as Record<string, unknown>;
    if ('metric' in r) {
      only(r, ['metric', 'op', 'value'], f);
      const metric = checkKey(r.metric, `${f}.metric`);
      if (!(POLICY_OPERATORS as readonly unknown[]).includes(r.op)) fail(`${f}.op`, `${JSON.stringify(r.op)} is not an operator; use one of ${POLICY_OPERATORS.join(' ')}`);
      if (typeof r.value !== 'number' || !Number.isFinite(r.value)) fail(`${f}.value`, `${JSON.stringify(r.value)} must be a finite number`);
      return { metric, op: r.op as PolicyOperator, value: r.value };
    }
    if ('artifact' in r) {
      only(r, ['artifact'], f);
      if (typeof r.artifact !== 'string' || r.artifact.length === 0 || r.artifact.length > 1000 || r.artifact.split('/').some((s) => s === '..' || s === '')) {
        fail(`${f}.artifact`, `${JSON.stringify(r.artifact)} must be a relative artifact path`);
      }
      return { artifact: r.artifact };
    }
    if ('drift' in r) {
      only(r, ['drift'], f);
      const d = r.drift as Record<string, unknown> | null;
      if (d === null || typeof d !== 'object' || typeof d.data !== 'string' || d.data.length === 0) fail(`${f}.drift`, 'expected { data: <run artifact with evaluation data>, driftShare? }');
      only(d, ['data', 'driftShare'], `${f}.drift`);
      if (d.driftShare !== undefined && !(typeof d.driftShare === 'number' && d.driftShare > 0 && d.driftShare <= 1)) fail(`${f}.drift.driftShare`, `${JSON.stringify(d.driftShare)} must be in (0, 1]`);
      return { drift: { data: d.data, ...(d.driftShare !== undefined ? { driftShare: d.driftShare as number } : {}) } };
    }
    if ('approvers' in r) {
      only(r, ['approvers'], f);
      if (!Number.isSafeInteger(r.approvers) || (r.approvers as number) < 1 || (r.approvers as number) > 10) fail(`${f}.approvers`, `${JSON.stringify(r.approvers)} must be a whole number from 1 to 10`);
      if (approvers) fail(`${f}.approvers`, 'give the number of approvers once');
      approvers = true;
      return { approvers: r.approvers as number };
    }
    return fail(f, `unknown requirement ${JSON.stringify(Object.keys(r))}; requirements are metric, artifact, drift, approvers`);
  });
  return { requires };
}

function digestOf(policy: ApprovalPolicy): string {
  return createHash('sha256').update(canonicalJson(policy)).digest('hex');
}

/** Approval policies per registered model: stored, audited, and checked when a version is approved. */
export class ApprovalPolicies {
  constructor(
    private readonly sql: SqlDriver,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly readers: PolicyReaders,
    private readonly modelExists: (name: string) => Promise<boolean>,
  ) {}

  async set(name: string, value: unknown, actor: string): Promise<StoredPolicy | null> {
    checkModelName(name);
    const policy = checkApprovalPolicy(value);
    if (!(await this.modelExists(name))) throw new FailedPreconditionError(`Cannot set a policy: registered model ${JSON.stringify(name)} does not exist`, { details: { field: 'name', value: name } });
    const now = this.clock.now();
    const digest = digestOf(policy);
    await this.sql.transaction(async (tx) => {
      const [old] = await tx.query<{ policy_json: string }>(`SELECT policy_json FROM controls_policies WHERE model = ?${tx.dialect.forUpdate}`, [name]);
      await tx.exec('DELETE FROM controls_policies WHERE model = ?', [name]);
      if (policy.requires.length > 0) await tx.exec('INSERT INTO controls_policies (model, policy_json, set_by, ts) VALUES (?, ?, ?, ?)', [name, JSON.stringify(policy), actor, now]);
      await this.audit.append(tx, {
        actor,
        action: 'registry.policy.set',
        resourceKind: 'registered_model',
        resource: name,
        ...(old !== undefined ? { before: JSON.parse(old.policy_json) as unknown } : {}),
        after: policy,
        details: { policy: policy as unknown as Record<string, unknown>, digest },
      });
      await bumpControls(tx);
    });
    return policy.requires.length === 0 ? null : { ...policy, setBy: actor, ts: now, digest };
  }

  async get(name: string): Promise<StoredPolicy | null> {
    checkModelName(name);
    const [row] = await this.sql.query<{ policy_json: string; set_by: string; ts: number }>('SELECT policy_json, set_by, ts FROM controls_policies WHERE model = ?', [name]);
    if (row === undefined) return null;
    const policy = JSON.parse(row.policy_json) as ApprovalPolicy;
    return { ...policy, setBy: row.set_by, ts: Number(row.ts), digest: digestOf(policy) };
  }

  /** Every unmet requirement, in words; empty when the version may be approved. */
  async unmet(version: ModelVersion, policy: ApprovalPolicy): Promise<string[]> {
    const unmet: string[] = [];
    const needsRun = policy.requires.some((r) => 'metric' in r || 'artifact' in r || 'drift' in r);
    let run: Run | undefined;
    if (needsRun) {
      if (version.runId === undefined) return [`the version has no source run, and the policy checks ${policy.requires.filter((r) => !('approvers' in r)).length} requirement(s) on it`];
      run = await this.readers.getRun(version.runId);
    }
    for (const r of policy.requires) {
      if ('metric' in r) {
        const v = run?.data.metrics[r.metric];
        if (v === undefined) unmet.push(`metric ${r.metric} ${r.op} ${r.value}: the run has no metric ${r.metric}`);
        else if (!COMPARE[r.op](v, r.value)) unmet.push(`metric ${r.metric} ${r.op} ${r.value}: it is ${v}`);
      } else if ('artifact' in r) {
        if (!(await this.readers.artifactExists(version.runId as string, r.artifact))) unmet.push(`artifact ${r.artifact}: the run has no such file`);
      } else if ('drift' in r) {
        unmet.push(...(await this.driftUnmet(version, r.drift)));
      }
    }
    return unmet;
  }

  private async driftUnmet(version: ModelVersion, d: { data: string; driftShare?: number }): Promise<string[]> {
    const reference = await this.readers.loadReference(version.name, version.version);
    if (reference === undefined) return [`drift of ${d.data}: no reference profile is stored for ${version.name}/${version.version} (ml.monitoring.saveReference)`];
    if (!(await this.readers.artifactExists(version.runId as string, d.data))) return [`drift of ${d.data}: the run has no such file`];
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(await this.readers.readArtifact(version.runId as string, d.data)).toString('utf8'));
    } catch {
      return [`drift of ${d.data}: the file is not JSON rows or columns`];
    }
    try {
      const report = this.readers.compare(reference, data, d.driftShare);
      return report.datasetDrift ? [`drift of ${d.data}: ${(report.share * 100).toFixed(0)}% of columns drifted from the reference profile`] : [];
    } catch (err) {
      return [`drift of ${d.data}: ${(err as Error).message}`];
    }
  }

  /** For the registry's approve: throws FAILED_PRECONDITION listing every unmet requirement. */
  async checkApproval(version: ModelVersion): Promise<{ approvers: number; record?: Record<string, unknown> }> {
    const policy = await this.get(version.name);
    if (policy === null) return { approvers: 1 };
    const unmet = await this.unmet(version, policy);
    if (unmet.length > 0) {
      throw new FailedPreconditionError(`Cannot approve ${version.name}/${version.version}: the approval policy is not met: ${unmet.join('; ')}`, { details: { unmet } });
    }
    const approvers = policy.requires.find((r): r is { approvers: number } => 'approvers' in r)?.approvers ?? 1;
    return { approvers, record: { requires: policy.requires, digest: policy.digest, setBy: policy.setBy, ts: policy.ts } };
  }
}
