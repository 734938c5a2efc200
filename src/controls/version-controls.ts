import { InvalidArgumentError } from '../core/errors.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import type { ModelSignature } from '../registry/index.js';
import { checkGuards, checkPolicy, type GuardSpec, type ViolationPolicy } from './guards.js';

/** Guards stored with a registered version (createModelVersion({ guards, onViolation })). */
export interface VersionControls {
  guards: GuardSpec;
  onViolation: ViolationPolicy;
}

export function prepareVersionControls(input: { guards?: unknown; onViolation?: unknown }, signature: ModelSignature | null): VersionControls | undefined {
  if (input.guards === undefined) {
    if (input.onViolation !== undefined) checkPolicy(input.onViolation);
    return undefined;
  }
  const onViolation = checkPolicy(input.onViolation);
  // A stored fallback policy would need a fixed answer, which only the service loading it knows.
  if (onViolation === 'fallback') {
    throw new InvalidArgumentError("Invalid onViolation: 'fallback' needs a fixed answer (whenHalted), given at load; store reject or clamp with the version", { details: { field: 'onViolation' } });
  }
  return { guards: checkGuards(input.guards, signature), onViolation };
}

export async function storeVersionControls(tx: SqlExecutor, name: string, version: number, controls: VersionControls): Promise<void> {
  await tx.exec('INSERT INTO controls_version_guards (model, version, guards_json) VALUES (?, ?, ?)', [name, version, JSON.stringify(controls)]);
}

export async function readVersionControls(sql: SqlExecutor, name: string, version: number): Promise<VersionControls | undefined> {
  const [row] = await sql.query<{ guards_json: string }>('SELECT guards_json FROM controls_version_guards WHERE model = ? AND version = ?', [name, version]);
  return row === undefined ? undefined : (JSON.parse(row.guards_json) as VersionControls);
}
