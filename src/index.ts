export { createMlops, Mlops, type MlopsStores } from './runtime.js';
export type { MlopsOptions } from './config/options.js';

export {
  ErrorCode,
  MlopsError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  PermissionDeniedError,
  UnavailableError,
  InternalError,
  isMlopsError,
  type MlopsErrorOptions,
} from './core/errors.js';
export { systemClock, ManualClock, type Clock } from './core/clock.js';
export { EventBus, type MlopsEvents } from './core/events.js';
export { MetricsRegistry, METRIC_PREFIX } from './core/metrics.js';
export { newRunId, newId, isRunId } from './core/ids.js';
export { parseInput } from './core/validation.js';
export { LOCAL_ADMIN, type Principal } from './governance/principal.js';

export type {
  SqlDriver,
  SqlExecutor,
  SqlDialect,
  SqlDialectName,
  SqlValue,
  SqlRow,
  ExecResult,
  Migration,
  MigrationResult,
  TransactionOptions,
} from './adapters/sql/types.js';
export { openSqlite, sqliteDialect, type SqliteOptions } from './adapters/sql/sqlite-driver.js';

export type { BlobStore, BlobBody, BlobEntry, BlobInfo, BlobListOptions, BlobListPage } from './adapters/blob/types.js';
export { openLocalBlobStore, type LocalBlobOptions } from './adapters/blob/local-store.js';
export { validateBlobKey } from './adapters/blob/blob-key.js';

export type { KvStore, KvHashWrite, KvHashRead, KvScanPage, KvResetInfo } from './adapters/kv/types.js';
export { createMemoryKvStore, type MemoryKvOptions } from './adapters/kv/memory-store.js';

export * from './tracking/index.js';
export * from './registry/index.js';
export { Authorizer, BUILT_IN_ROLES, RESOURCE_KINDS, ACTIONS, type RoleGrants, type ResourceKind, type Action } from './governance/rbac.js';
export { Audit } from './governance/audit.js';
export type { AuditRecord, AuditQuery, AuditVerification, AuditEntry } from './governance/audit-log.js';
export { buildMlp, buildLogisticRegression, type MlpSpec, type DenseLayer } from './onnx/model-builder.js';
export * from './features/index.js';
export * from './monitoring/index.js';
export * from './serving/index.js';
