import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { AuditLog } from '../governance/index.js';
import type { RegistryEngine } from '../registry/index.js';
import type { ControlsBus } from './events.js';
import type { HaltBoard } from './halt-board.js';
import type { ApprovalPolicies, PolicyReaders } from './policies.js';
import type { VersionControls } from './version-controls.js';

// The engine's dependencies and the part of it the inventory and the evidence pack read, in a file of
// their own so that those readers need not import controls.ts (which imports them: a file cycle).

export interface ControlsDeps {
  sql: SqlDriver;
  clock: Clock;
  events: ControlsBus;
  metrics: MetricsRegistry;
  audit: AuditLog;
  registry: RegistryEngine;
  readers: PolicyReaders;
  /** The feature views defined now (name, version, schema), for the evidence pack's lineage. */
  featureViews: () => Array<{ name: string; version: number; schema: Record<string, unknown> }>;
  /** Names of models loaded in this runtime (file-loaded models can be halted by their served name). */
  loadedNames: () => string[];
  /**
   * Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY, Redis pub/sub): a halt or resume made elsewhere
   * reaches this process at once; polling every pollIntervalMs stays the floor. Absent: polling only.
   */
  signal?: { on(channel: string, wake: () => void): () => void; notify(channel: string): void };
}

/** What the inventory and the evidence pack read from the controls engine (ControlsEngine implements it). */
export interface ControlsView {
  readonly deps: ControlsDeps;
  readonly board: HaltBoard;
  readonly policies: ApprovalPolicies;
  versionControls(name: string, version: number): Promise<VersionControls | undefined>;
}
