import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError } from '../core/errors.js';
import type { AuditSink, Principal } from '../governance/index.js';
import { checkString } from '../search/index.js';
import type { Halt, HaltBoard } from './halt-board.js';
import { describeTarget, parseTarget, targetKey, type HaltTarget } from './targets.js';

/** Bumps the row other processes poll. */
export async function bumpControls(tx: Pick<SqlDriver, 'exec'>): Promise<void> {
  await tx.exec('UPDATE controls_changes SET seq = seq + 1 WHERE id = 1');
}

function checkReason(options: unknown, what: string): string {
  const reason = (options as { reason?: unknown } | null | undefined)?.reason;
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new InvalidArgumentError(`Invalid reason: ${what} needs a reason, recorded in the audit log`, { details: { field: 'reason' } });
  }
  return checkString(reason, 'reason', 2000);
}

/**
 * Halt and resume (RTS 6 Art. 12 kill functionality, AI Act Art. 14 stop button). Both write the halt
 * row, its audit record and the change counter in one transaction, then apply it here at once;
 * other processes see it on their next wake-up. Resuming takes a second principal (four eyes),
 * except an admin who gives a reason.
 */
export class KillSwitch {
  constructor(
    private readonly sql: SqlDriver,
    private readonly clock: Clock,
    private readonly audit: AuditSink,
    private readonly board: HaltBoard,
    /** Whether a model of this name exists (registered, or loaded here). */
    private readonly knows: (model: string) => Promise<boolean>,
    /** Tells other processes a halt changed (the change signal's 'halts' channel), after the commit. */
    private readonly announce: () => void = () => undefined,
  ) {}

  async halt(target: unknown, options: unknown, actor: Principal): Promise<Halt> {
    const t = parseTarget(target);
    const reason = checkReason(options, 'halt');
    if ('model' in t && !(await this.knows(t.model))) {
      throw new NotFoundError(`Invalid target.model: no model ${JSON.stringify(t.model)} is registered or loaded`, { details: { field: 'target.model', value: t.model } });
    }
    const key = targetKey(t);
    const now = this.clock.now();
    await this.sql.transaction(async (tx) => {
      const [existing] = await tx.query<{ halted_by: string; ts: number }>(`SELECT halted_by, ts FROM controls_halts WHERE target = ?${tx.dialect.forUpdate}`, [key]);
      if (existing !== undefined) {
        throw new FailedPreconditionError(`Cannot halt ${describeTarget(t)}: ${JSON.stringify(existing.halted_by)} halted it at ${new Date(Number(existing.ts)).toISOString()}`, {
          details: { haltedBy: existing.halted_by },
        });
      }
      await tx.exec('INSERT INTO controls_halts (target, model, route, halted_by, reason, ts) VALUES (?, ?, ?, ?, ?, ?)', [
        key,
        'model' in t ? t.model : null,
        'model' in t ? (t.route ?? null) : null,
        actor.id,
        reason,
        now,
      ]);
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'controls.halt',
        resourceKind: 'registered_model',
        resource: 'model' in t ? t.model : '*',
        after: { target: key, halted: true },
        reason,
        details: { target: key },
      });
      await bumpControls(tx);
    });
    this.announce();
    await this.board.wake();
    return { target: t, haltedBy: actor.id, reason, since: now };
  }

  async resume(target: unknown, options: unknown, actor: Principal): Promise<void> {
    const t = parseTarget(target);
    const reason = checkReason(options, 'resume');
    const key = targetKey(t);
    await this.sql.transaction(async (tx) => {
      const [existing] = await tx.query<{ halted_by: string }>(`SELECT halted_by FROM controls_halts WHERE target = ?${tx.dialect.forUpdate}`, [key]);
      if (existing === undefined) throw new FailedPreconditionError(`Cannot resume ${describeTarget(t)}: it is not halted`, { details: { field: 'target', value: key } });
      if (existing.halted_by === actor.id && !actor.roles.includes('admin')) {
        throw new PermissionDeniedError(`Four-eyes rule: ${JSON.stringify(actor.id)} halted ${describeTarget(t)} and cannot also resume it (an admin may, with a reason)`, {
          details: { rule: 'four-eyes' },
        });
      }
      await tx.exec('DELETE FROM controls_halts WHERE target = ?', [key]);
      await this.audit.append(tx, {
        actor: actor.id,
        action: 'controls.resume',
        resourceKind: 'registered_model',
        resource: 'model' in t ? t.model : '*',
        before: { target: key, halted: true },
        after: { target: key, halted: false },
        reason,
        details: { target: key, haltedBy: existing.halted_by, ...(existing.halted_by === actor.id ? { selfResumedAsAdmin: true } : {}) },
      });
      await bumpControls(tx);
    });
    this.announce();
    await this.board.wake();
  }
}

export type { HaltTarget };
