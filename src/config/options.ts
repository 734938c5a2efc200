import type { MlopsLogger } from '../core/logger.js';
import type { Registry } from 'prom-client';
import type { BlobStore } from '../adapters/blob/types.js';
import type { KvStore } from '../adapters/kv/types.js';
import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import type { Principal } from '../governance/principal.js';
import type { RoleGrants } from '../governance/rbac.js';
import type { RegistryOptions } from '../registry/registry.js';
import type { FeaturesOptions } from '../features/context.js';
import type { ControlsOptions } from '../controls/index.js';

/**
 * Configuration of one runtime. Every store is a URL or an adapter instance; what is left out comes
 * from the environment (`MLOPS_*`) and then from the embedded defaults under `dir`.
 */
export interface MlopsOptions {
  /** Folder for the embedded defaults. Env MLOPS_DIR; default `./.mlops`. */
  dir?: string;
  /** Tracking, registry, audit and offline features. Env MLOPS_METADATA; default `sqlite://<dir>/mlops.db`. */
  metadata?: string | SqlDriver;
  /** Artifacts and model files. Env MLOPS_ARTIFACTS; default `<dir>/artifacts`. */
  artifacts?: string | BlobStore;
  /** Online features. Env MLOPS_ONLINE; default `memory`. */
  online?: string | KvStore;
  /** Who this runtime acts as. Default a local admin. */
  principal?: Principal;
  /**
   * Custom roles beside the built-in viewer, data-scientist, reviewer, service and admin:
   * `{ 'risk-officer': { registered_model: ['read', 'approve'], audit: ['read'] } }`.
   */
  roles?: Record<string, RoleGrants>;
  /** Registry settings: how often to look for changes made by other processes. */
  registry?: RegistryOptions;
  /** Trading controls: how often each process looks for kill-switch halts made elsewhere. */
  controls?: ControlsOptions;
  /** Feature store settings: the optional in-process near cache. */
  features?: FeaturesOptions;
  /** A prom-client Registry of the host service; default a private one. */
  metrics?: Registry;
  /** Time source; tests inject a manual clock. */
  clock?: Clock;
  /** Environment to read MLOPS_* from; default process.env. */
  env?: Record<string, string | undefined>;
  /**
   * A pino-compatible structured logger (pino itself, a pino child, or anything with error/warn/info/debug
   * taking `(fields, message)`). Warnings, registry decisions, alias moves, drift, failed and slow calls
   * are logged with the active trace's `trace_id`/`span_id`. Default: none (the library stays silent).
   */
  logger?: MlopsLogger;
  /** Calls slower than this many ms are logged at warn (with a logger). Default 1000. */
  slowOperationMs?: number;
}
