import type { SqlExecutor } from '../adapters/sql/types.js';
import type { ModelSignature, ModelVersion } from './types.js';

/**
 * What the registry asks of the trading controls (src/controls), which plug in here at runtime
 * creation: approval policies checked on approve, and controls stored with a version at
 * registration. The registry works without them (no policy, nothing stored).
 */
export interface RegistryControls {
  /**
   * Checks the model's approval policy for `version`. Throws FAILED_PRECONDITION naming every unmet
   * requirement; else returns how many distinct approvers the policy needs and what to record with
   * the approval (the policy in force and its digest).
   */
  checkApproval(version: ModelVersion, actor: string): Promise<{ approvers: number; record?: Record<string, unknown> }>;
  /** Validates controls given at registration against the signature; returns what to store, or undefined. */
  prepareVersionControls(input: { guards?: unknown; onViolation?: unknown }, signature: ModelSignature | null): unknown;
  /** Stores what prepareVersionControls returned, inside the registration's transaction. */
  storeVersionControls(tx: SqlExecutor, name: string, version: number, prepared: unknown): Promise<void>;
  setPolicy(name: string, policy: unknown, actor: string): Promise<unknown>;
  getPolicy(name: string): Promise<unknown>;
}
