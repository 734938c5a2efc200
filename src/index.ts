// The root entry: the runtime, its facades (exported as classes so the built .d.ts, which cannot keep
// `export type` apart, tells no lie about what exists at run time), errors, options and result types
// with the lists of their allowed values. Everything else
// lives on a subpath (etc/*.api.md lists each one; `npm run api:check` fails when it grows unseen):
//   ./postgres ./redis ./s3   adapters whose driver is an optional peer dependency
//   ./adapters                the embedded stores (SQLite, files, memory) and the blob key rule
//   ./server                  the HTTP face
//   ./testing                 conformance suites, ONNX model builders, ManualClock

export { createMlops, Mlops, type MlopsStores } from './runtime.js';
export type { MlopsOptions } from './config/options.js';
export type { MlopsEvents } from './events.js';
export type { CoreEvents } from './core/events.js';
export type { Clock } from './core/clock.js';

export {
  ErrorCode,
  MlopsError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  PermissionDeniedError,
  UnavailableError,
  HaltedError,
  InternalError,
  isMlopsError,
  type MlopsErrorOptions,
} from './core/errors.js';

// Store contracts: createMlops takes an instance of each as well as a URL.
export type { SqlDriver, SqlExecutor, SqlDialect, SqlDialectName, SqlValue, SqlRow, ExecResult, Migration, MigrationResult, TransactionOptions } from './adapters/sql/types.js';
export type { BlobStore, BlobBody, BlobEntry, BlobInfo, BlobListOptions, BlobListPage } from './adapters/blob/types.js';
export type { KvStore, KvHashWrite, KvHashRead, KvScanPage, KvResetInfo } from './adapters/kv/types.js';

// Governance
export type { Principal } from './governance/principal.js';
export type { RoleGrants, ResourceKind, Action } from './governance/rbac.js';
export { Audit } from './governance/audit.js';
export type { AuditRecord, AuditQuery, AuditVerification, AuditEntry } from './governance/audit-log.js';

// Tracking
export { Tracking, type StartRunOptions } from './tracking/tracking.js';
export { RunHandle, type MetricOptions } from './tracking/run-handle.js';
export type { BatchInput, MetricInput, KeyValues } from './tracking/run-writes.js';
export type { BufferOptions } from './tracking/metric-buffer.js';
export type { ArtifactSource } from './tracking/artifacts.js';
export type { CreateRunInput, UpdateRunInput } from './tracking/run-store.js';
export type { TrackingEvents } from './tracking/events.js';
export * from './tracking/types.js';

// Registry
export { Registry, type RegistryOptions } from './registry/registry.js';
export type { RegistryEvents } from './registry/events.js';
export * from './registry/types.js';

// Features
export { FeatureStore, type OnlineTally } from './features/feature-store.js';
export type { StreamMessage, IngestOptions, IngestStats } from './features/ingest.js';
export type { FeaturesOptions, NearCacheOptions } from './features/context.js';
export type { FeaturesEvents } from './features/events.js';
export * from './features/types.js';

// Serving
export { Serving, type LoadOptions, type ModelSourceRef, type FeatureJoinOptions } from './serving/serving.js';
export { ServedModel, type ServedModelHooks, type AfterPredictHook, type BatchHook, type ExecutionProvider, type SessionOptions, type SwapEvent } from './serving/served-model.js';
export type { BatchingOptions, Outputs } from './serving/batcher.js';
export type { PredictInputs, InputValue } from './serving/inputs.js';
export { ModelRouter, type Route, type RouterOptions } from './serving/router.js';
export type { PredictionRecord, PredictionLogOptions } from './serving/prediction-log.js';
export type { ServingEvents } from './serving/events.js';
export { outputData, type OutputArrays } from './serving/output-data.js';
export type { BatchLayout } from './serving/batch-axis.js';
export type { WarmupOptions } from './serving/warmup.js';

// Monitoring: the facade's types, and the statistics DESIGN.md lists as exported functions.
export { Monitoring } from './monitoring/monitoring.js';
export { DriftMonitor, type MonitorOptions, type DataQuality } from './monitoring/monitor.js';
export { driftReport, columnDrift, DRIFT_TESTS, type DriftReport, type ColumnDrift, type DriftTest, type DriftOptions, type ColumnOptions } from './monitoring/drift.js';
export type { ReferenceProfile, ColumnProfile } from './monitoring/profile.js';
export type { MonitoringEvents } from './monitoring/events.js';
export * as stats from './monitoring/stats.js';

// Trading controls
export { Controls, type ControlsOptions, type ControlLoadOptions } from './controls/controls.js';
export type { Halt } from './controls/halt-board.js';
export type { HaltTarget } from './controls/targets.js';
export type { OutputGuard, GuardSpec, ViolationPolicy } from './controls/guards.js';
export type { FixedAnswer } from './controls/fallback.js';
export type { ApprovalPolicy, Requirement, PolicyOperator, StoredPolicy } from './controls/policies.js';
export type { EvidencePack } from './controls/evidence.js';
export type { InventoryRow } from './controls/inventory.js';
export { evidenceMarkdown } from './controls/evidence-markdown.js';
export { inventoryCsv } from './controls/inventory.js';
export type { ControlsEvents } from './controls/events.js';

// Streaming ingest sources and structured logs
export type { IngestSource, IngestProgress, IngestRow } from './adapters/ingest/types.js';
export type { MlopsLogger } from './core/logger.js';
export type { AliasReplay, AliasMismatch } from './governance/alias-replay.js';
