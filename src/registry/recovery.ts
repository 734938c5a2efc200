import { bumpChanges, type RegistryContext } from './context.js';

/** Who the audit log names for changes the runtime makes by itself, on nobody's request. */
export const SYSTEM_ACTOR = 'system';

/**
 * Crash recovery on open. `createModelVersion` commits the version as PENDING_REGISTRATION, copies
 * the artifact, then marks it READY; a process killed in between leaves the version pending for ever
 * (seen 6 times in 10 SIGKILLs). A version still pending `graceMs` after its creation is marked
 * FAILED_REGISTRATION, audited as `model_version.recover` by `system`, and announced like any failed
 * registration. The grace period covers registrations still running in another process; a writer
 * that finishes after it finds its version failed and reports FAILED_PRECONDITION.
 */
export async function failAbandonedRegistrations(ctx: RegistryContext, graceMs: number): Promise<Array<{ name: string; version: number }>> {
  const cutoff = ctx.clock.now() - graceMs;
  const pending = await ctx.sql.query<{ model_id: number; name: string; version: number; creation_time: number }>(
    `SELECT v.model_id, m.name, v.version, v.creation_time FROM registry_versions v JOIN registry_models m ON m.model_id = v.model_id
     WHERE v.status = 'PENDING_REGISTRATION' AND v.creation_time < ? ORDER BY v.model_id, v.version`,
    [cutoff],
  );
  const failed: Array<{ name: string; version: number }> = [];
  for (const row of pending) {
    const version = Number(row.version);
    const message = `Registration did not finish: still pending ${graceMs} ms after it began (the process registering it stopped); marked failed on open`;
    const changed = await ctx.sql.transaction(async (tx) => {
      // Guarded by status: two processes opening at once fail each version once.
      const res = await tx.exec(
        "UPDATE registry_versions SET status = 'FAILED_REGISTRATION', status_message = ?, last_updated_time = ? WHERE model_id = ? AND version = ? AND status = 'PENDING_REGISTRATION'",
        [message, ctx.clock.now(), row.model_id, version],
      );
      if (res.changes === 0) return false;
      await ctx.audit.append(tx, {
        actor: SYSTEM_ACTOR,
        action: 'model_version.recover',
        resourceKind: 'registered_model',
        resource: row.name,
        before: { version, status: 'PENDING_REGISTRATION' },
        after: { version, status: 'FAILED_REGISTRATION' },
        reason: message,
        details: { version, createdAt: Number(row.creation_time), graceMs },
      });
      await bumpChanges(tx);
      return true;
    });
    if (changed) {
      failed.push({ name: row.name, version });
      ctx.events.emit('registry.version.created', { name: row.name, version, status: 'FAILED_REGISTRATION' });
    }
  }
  return failed;
}
