import type { BlobStore } from '../adapters/blob/types.js';
import type { SqlDriver, SqlExecutor } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import { NotFoundError } from '../core/errors.js';
import type { RegistryBus } from './events.js';
import type { AuditQuery, AuditRecord, AuditSink } from '../governance/index.js';
import type { ChangeSignal } from '../core/change-signal.js';

export interface RegistryContext {
  sql: SqlDriver;
  blobs: BlobStore;
  clock: Clock;
  events: RegistryBus;
  audit: AuditSink;
  /** Reads the audit log (alias history); absent, aliasHistory and resolveAt are unavailable. */
  auditQuery?: (q: AuditQuery) => Promise<AuditRecord[]>;
  /** Wakes other processes after a change (and this one when they change something); absent: polling only. */
  signal?: ChangeSignal;
}

/**
 * Marks the registry changed, for other processes that cache alias resolutions.
 *
 * Lock order of every registry write, so that two writers never deadlock and every audit record's
 * `before` is the state its write replaced: the model row first (modelId(tx, name, true), before
 * anything is read), then version rows, then alias rows, then the audit chain head (in append), and
 * this row last.
 */
export async function bumpChanges(tx: SqlExecutor): Promise<void> {
  await tx.exec('UPDATE registry_changes SET seq = seq + 1 WHERE id = 1');
}

/** The model's id; with `lock`, its row stays locked until the transaction ends (serialises versions). */
export async function modelId(tx: SqlExecutor, name: string, lock = false): Promise<number> {
  const [row] = await tx.query<{ model_id: number }>(
    `SELECT model_id FROM registry_models WHERE name = ?${lock ? tx.dialect.forUpdate : ''}`,
    [name],
  );
  if (row === undefined) throw new NotFoundError(`Registered model ${JSON.stringify(name)} not found`, { details: { field: 'name', value: name } });
  return Number(row.model_id);
}
