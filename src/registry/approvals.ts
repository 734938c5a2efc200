import type { SqlExecutor } from '../adapters/sql/types.js';
import { FailedPreconditionError, InvalidArgumentError, PermissionDeniedError } from '../core/errors.js';
import { checkString } from '../search/index.js';
import { bumpChanges, modelId, type RegistryContext } from './context.js';
import { checkModelName, checkVersion } from './names.js';
import type { ApprovalEvent, ApprovalState, ModelVersion } from './types.js';
import type { VersionStore } from './version-store.js';
import type { RegistryControls } from './controls-hooks.js';

type Transition = 'request' | 'approve' | 'reject' | 'revoke';

const FLOW: Record<Transition, { from: ApprovalState[]; to: ApprovalState; reasonRequired: boolean }> = {
  request: { from: ['draft', 'rejected'], to: 'pending_approval', reasonRequired: false },
  approve: { from: ['pending_approval'], to: 'approved', reasonRequired: false },
  reject: { from: ['pending_approval'], to: 'rejected', reasonRequired: true },
  revoke: { from: ['approved'], to: 'revoked', reasonRequired: true },
};

/**
 * The approval workflow per version: draft -> pending_approval -> approved | rejected, approved ->
 * revoked (a rejected version may be resubmitted). Whoever approves or rejects must be neither the
 * version's creator nor its requester (four eyes). Revoking removes every alias of the version in the same
 * transaction, and emits events so serving falls back.
 */
export class Approvals {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly versions: VersionStore,
    private readonly controls: () => RegistryControls | undefined = () => undefined,
  ) {}

  async transition(kind: Transition, name: string, version: number, actor: string, reason: unknown): Promise<ModelVersion> {
    checkModelName(name);
    const v = checkVersion(version);
    const flow = FLOW[kind];
    if (reason !== undefined) checkString(reason, 'reason', 2000);
    if (flow.reasonRequired && (typeof reason !== 'string' || reason.trim() === '')) {
      throw new InvalidArgumentError(`Invalid reason: ${kind} needs a reason, recorded in the audit log`, { details: { field: 'reason' } });
    }
    const removedAliases: string[] = [];
    let from: ApprovalState = 'draft';
    // The approval policy is checked before the transaction (it reads the run and its artifacts);
    // what it needs of the transaction (distinct approvers) is checked inside it.
    const controls = kind === 'approve' ? this.controls() : undefined;
    const current = controls === undefined ? undefined : await this.versions.get(name, v);
    // Only a pending version is checked: any other state gets the workflow's own refusal below.
    const policy = current?.approval === 'pending_approval' ? await controls?.checkApproval(current, actor) : undefined;
    let held = false;
    await this.ctx.sql.transaction(async (tx) => {
      await modelId(tx, name, true);
      const row = await this.versions.row(tx, name, v, true);
      from = row.approval as ApprovalState;
      if (!flow.from.includes(from)) {
        throw new FailedPreconditionError(`Cannot ${kind} ${name}/${v}: it is ${from}; ${kind} applies to ${flow.from.join(' or ')} versions`, {
          details: { approval: from },
        });
      }
      if (row.status !== 'READY') throw new FailedPreconditionError(`Cannot ${kind} ${name}/${v}: its registration is ${row.status}`);
      // A review decision, either way, is a second principal's: a requester who could reject its own
      // request could also block a rival's resubmission race or launder an audit trail of one voice.
      if (kind === 'approve' || kind === 'reject') {
        if (actor === row.created_by) {
          throw new PermissionDeniedError(`Four-eyes rule: ${JSON.stringify(actor)} registered ${name}/${v} and cannot also ${kind} it`, { details: { rule: 'four-eyes' } });
        }
        if (actor === row.approval_requested_by) {
          throw new PermissionDeniedError(`Four-eyes rule: ${JSON.stringify(actor)} requested approval of ${name}/${v} and cannot also ${kind} it`, { details: { rule: 'four-eyes' } });
        }
      }
      const now = this.ctx.clock.now();
      if (policy !== undefined && policy.approvers > 1) {
        held = await this.vote(tx, row, name, v, actor, reason, policy.approvers, policy.record, now);
        if (held) return;
      }
      const requestedBy = kind === 'request' ? actor : row.approval_requested_by;
      await tx.exec('UPDATE registry_versions SET approval = ?, approval_requested_by = ?, last_updated_time = ? WHERE model_id = ? AND version = ?', [
        flow.to,
        requestedBy,
        now,
        row.model_id,
        row.version,
      ]);
      await tx.exec('INSERT INTO registry_approvals (model_id, version, from_state, to_state, actor, ts, reason) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        row.model_id,
        row.version,
        from,
        flow.to,
        actor,
        now,
        (reason as string | undefined) ?? null,
      ]);
      await this.ctx.audit.append(tx, {
        actor,
        action: `model_version.${kind}`,
        resourceKind: 'registered_model',
        resource: name,
        before: { version: v, approval: from },
        after: { version: v, approval: flow.to },
        ...(typeof reason === 'string' ? { reason } : {}),
        details: { version: v, from, to: flow.to, ...(policy?.record !== undefined ? { policy: policy.record } : {}) },
      });
      if (kind === 'revoke') {
        for (const a of await tx.query<{ alias: string }>('SELECT alias FROM registry_aliases WHERE model_id = ? AND version = ?', [row.model_id, row.version])) {
          removedAliases.push(a.alias);
          await this.ctx.audit.append(tx, {
            actor,
            action: 'alias.remove',
            resourceKind: 'registered_model',
            resource: name,
            before: { alias: a.alias, version: v },
            reason: `version ${v} revoked`,
            details: { alias: a.alias, version: v, cause: 'revoked' },
          });
        }
        await tx.exec('DELETE FROM registry_aliases WHERE model_id = ? AND version = ?', [row.model_id, row.version]);
      }
      await bumpChanges(tx);
    });
    if (held) return this.versions.get(name, v);
    this.ctx.events.emit('registry.approval.changed', { name, version: v, from, to: flow.to, actor, ...(typeof reason === 'string' ? { reason } : {}) });
    for (const alias of removedAliases) this.ctx.events.emit('registry.alias.removed', { name, alias, version: v, cause: 'revoked' });
    return this.versions.get(name, v);
  }

  /**
   * One approval of several that a policy asks for: recorded as a pending -> pending step of the
   * history (so the votes since the last request are the distinct approvers so far). Returns true
   * while more approvers are needed; false when this one completes the approval.
   */
  private async vote(
    tx: SqlExecutor,
    row: { model_id: number; version: number },
    name: string,
    v: number,
    actor: string,
    reason: unknown,
    needed: number,
    record: Record<string, unknown> | undefined,
    now: number,
  ): Promise<boolean> {
    const [round] = await tx.query<{ id: number | null }>(
      "SELECT MAX(id) AS id FROM registry_approvals WHERE model_id = ? AND version = ? AND to_state = 'pending_approval' AND from_state <> 'pending_approval'",
      [row.model_id, row.version],
    );
    const votes = await tx.query<{ actor: string }>(
      "SELECT DISTINCT actor FROM registry_approvals WHERE model_id = ? AND version = ? AND from_state = 'pending_approval' AND to_state = 'pending_approval' AND id > ?",
      [row.model_id, row.version, Number(round?.id ?? 0)],
    );
    if (votes.some((x) => x.actor === actor)) {
      throw new FailedPreconditionError(`Cannot approve ${name}/${v}: ${JSON.stringify(actor)} already approved it; the policy needs ${needed} distinct approvers`, {
        details: { unmet: [`approvers: ${votes.length} of ${needed}`] },
      });
    }
    if (votes.length + 1 >= needed) return false;
    await tx.exec('INSERT INTO registry_approvals (model_id, version, from_state, to_state, actor, ts, reason) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      row.model_id,
      row.version,
      'pending_approval',
      'pending_approval',
      actor,
      now,
      (reason as string | undefined) ?? null,
    ]);
    await this.ctx.audit.append(tx, {
      actor,
      action: 'model_version.approve_vote',
      resourceKind: 'registered_model',
      resource: name,
      ...(typeof reason === 'string' ? { reason } : {}),
      details: { version: v, approvals: votes.length + 1, needed, ...(record !== undefined ? { policy: record } : {}) },
    });
    return true;
  }

  async history(name: string, version: number): Promise<ApprovalEvent[]> {
    const found = await this.versions.get(name, version);
    const rows = await this.ctx.sql.query<{ from_state: string; to_state: string; actor: string; ts: number; reason: string | null }>(
      `SELECT a.from_state, a.to_state, a.actor, a.ts, a.reason FROM registry_approvals a JOIN registry_models m ON m.model_id = a.model_id
       WHERE m.name = ? AND a.version = ? ORDER BY a.id`,
      [name, found.version],
    );
    return rows.map((r) => ({
      from: r.from_state as ApprovalState,
      to: r.to_state as ApprovalState,
      actor: r.actor,
      ts: Number(r.ts),
      ...(r.reason !== null ? { reason: r.reason } : {}),
    }));
  }
}
