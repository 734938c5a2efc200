import { createHash } from 'node:crypto';
import { FailedPreconditionError, InvalidArgumentError } from '../../core/errors.js';
import type { Migration, MigrationResult, SqlDialect, SqlExecutor } from './types.js';

const MODULE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

export const MIGRATIONS_TABLE = 'mlops_migrations';

export function renderMigration(migration: Migration, dialect: SqlDialect): string {
  return typeof migration.up === 'function' ? migration.up(dialect) : migration.up;
}

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Checks a migration list before anything runs: ascending, unique, positive versions and names. */
export function validateMigrations(module: string, migrations: readonly Migration[]): Migration[] {
  if (!MODULE_NAME.test(module)) {
    throw new InvalidArgumentError(`Invalid module: ${JSON.stringify(module)} must match ${MODULE_NAME}`);
  }
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (!Number.isSafeInteger(m.version) || m.version <= 0) {
      throw new InvalidArgumentError(`Invalid migrations[${i}].version: ${m.version} must be a positive integer`);
    }
    if (i > 0 && sorted[i - 1]?.version === m.version) {
      throw new InvalidArgumentError(`Invalid migrations: version ${m.version} of ${module} appears twice`);
    }
    if (typeof m.name !== 'string' || m.name.length === 0) {
      throw new InvalidArgumentError(`Invalid migrations[${i}].name: a name is required`);
    }
  });
  return sorted;
}

/**
 * Applies the missing migrations inside a transaction that already holds the migration lock (the
 * driver takes it: BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL). Each applied version is
 * recorded with a checksum; an applied migration whose text changed is refused.
 */
export async function applyMigrationsLocked(
  tx: SqlExecutor,
  module: string,
  migrations: readonly Migration[],
  now: number,
): Promise<MigrationResult> {
  const d = tx.dialect;
  await tx.execScript(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      module ${d.text} NOT NULL,
      version INTEGER NOT NULL,
      name ${d.text} NOT NULL,
      checksum ${d.text} NOT NULL,
      applied_at ${d.bigint} NOT NULL,
      PRIMARY KEY (module, version)
    )`,
  );
  const rows = await tx.query<{ version: number; checksum: string }>(
    `SELECT version, checksum FROM ${MIGRATIONS_TABLE} WHERE module = ?`,
    [module],
  );
  const applied = new Map(rows.map((r) => [Number(r.version), r.checksum]));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const sql = renderMigration(migration, d);
    const sum = checksum(sql);
    const existing = applied.get(migration.version);
    if (existing !== undefined) {
      if (existing !== sum) {
        throw new FailedPreconditionError(
          `Migration ${module} v${migration.version} (${migration.name}) was changed after it was applied`,
          { details: { module, version: migration.version } },
        );
      }
      result.alreadyApplied.push(migration.version);
      continue;
    }
    await tx.execScript(sql);
    await tx.exec(
      `INSERT INTO ${MIGRATIONS_TABLE} (module, version, name, checksum, applied_at) VALUES (?, ?, ?, ?, ?)`,
      [module, migration.version, migration.name, sum, now],
    );
    result.applied.push(migration.version);
  }
  return result;
}
