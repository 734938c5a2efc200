import { resolve } from 'node:path';
import type { BlobStore } from './adapters/blob/types.js';
import { openLocalBlobStore } from './adapters/blob/local-store.js';
import { openS3BlobStore } from './adapters/blob/s3-store.js';
import type { KvStore } from './adapters/kv/types.js';
import { createMemoryKvStore } from './adapters/kv/memory-store.js';
import { openRedisKvStore } from './adapters/kv/redis-store.js';
import type { SqlDriver } from './adapters/sql/types.js';
import { openSqlite } from './adapters/sql/sqlite-driver.js';
import { openPostgres } from './adapters/sql/postgres-driver.js';
import { systemClock, type Clock } from './core/clock.js';
import { UnavailableError } from './core/errors.js';
import { EventBus } from './core/events.js';
import type { MlopsEvents } from './events.js';
import { MetricsRegistry } from './core/metrics.js';
import type { MlopsOptions } from './config/options.js';
import { parseArtifactsUrl, parseMetadataUrl, parseOnlineUrl } from './config/store-urls.js';
import { probePostgres, probeRedis, probeS3 } from './config/startup-probe.js';
import { LOCAL_ADMIN, parsePrincipal, type Principal } from './governance/principal.js';
import { Tracking, TrackingEngine } from './tracking/tracking.js';
import { Audit } from './governance/audit.js';
import { AuditLog } from './governance/audit-log.js';
import { ChangeSignal, type SignalTransport } from './core/change-signal.js';
import { GOVERNANCE_MODULE, governanceMigrations } from './governance/audit-schema.js';
import { Authorizer } from './governance/rbac.js';
import { Registry, RegistryEngine } from './registry/registry.js';
import { FeatureStore, FeaturesEngine } from './features/feature-store.js';
import { Monitoring, MonitoringEngine } from './monitoring/monitoring.js';
import { Serving, ServingEngine } from './serving/serving.js';
import { InvalidArgumentError } from './core/errors.js';
import { isLogger, type MlopsLogger } from './core/logger.js';
import { logEvents } from './log-events.js';
import { instrumentMethods, type InstrumentOptions } from './core/tracing.js';
import { featureSpans, registrySpans, servingSpans, storeAttributes, trackingSpans } from './runtime-tracing.js';
import { Controls, ControlsEngine, checkControlsOptions } from './controls/controls.js';
import { policyReaders } from './controls/readers.js';

/** The three stores a runtime stands on. */
export interface MlopsStores {
  metadata: SqlDriver;
  artifacts: BlobStore;
  online: KvStore;
}

/** Shared by a runtime and every `as()` view of it. */
interface RuntimeCore {
  stores: MlopsStores;
  events: EventBus<MlopsEvents>;
  metrics: MetricsRegistry;
  clock: Clock;
  dir: string;
  closed: boolean;
  closing?: Promise<void>;
  ownedStores: Array<{ close(): Promise<void> }>;
  /** Cross-process wake-ups (registry changes; meant for halts too): see core/change-signal.ts. */
  signal: ChangeSignal;
  tracking: TrackingEngine;
  auditLog: AuditLog;
  authz: Authorizer;
  registry: RegistryEngine;
  features: FeaturesEngine;
  monitoring: MonitoringEngine;
  serving: ServingEngine;
  /** Where spans' failures and slow calls are logged (createMlops({ logger, slowOperationMs })). */
  instrument: InstrumentOptions;
  controls: ControlsEngine;
}

/** One runtime: stores, events and metrics, acting as one principal. */
export class Mlops {
  private trackingView: Tracking | undefined;
  private auditView: Audit | undefined;
  private registryView: Registry | undefined;
  private featuresView: FeatureStore | undefined;
  private monitoringView: Monitoring | undefined;
  private servingView: Serving | undefined;
  private controlsView: Controls | undefined;

  /** @internal */
  constructor(
    private readonly core: RuntimeCore,
    readonly principal: Principal,
  ) {}

  get stores(): MlopsStores {
    this.assertOpen();
    return this.core.stores;
  }

  /** Experiment tracking with MLflow's semantics. */
  get tracking(): Tracking {
    this.assertOpen();
    this.trackingView ??= instrumentMethods(new Tracking(this.core.tracking, this.principal, this.core.authz), trackingSpans(storeAttributes(this.core.stores).metadata), this.core.instrument);
    return this.trackingView;
  }

  /** The model registry: versions, approvals (four eyes), aliases. */
  get registry(): Registry {
    this.assertOpen();
    this.registryView ??= instrumentMethods(new Registry(this.core.registry, this.principal, this.core.authz), registrySpans(storeAttributes(this.core.stores).metadata), this.core.instrument);
    return this.registryView;
  }

  /** The feature store: definitions, pushes, online and point-in-time reads, materialization. */
  get features(): FeatureStore {
    this.assertOpen();
    this.featuresView ??= instrumentMethods(new FeatureStore(this.core.features, this.principal, this.core.authz), featureSpans(storeAttributes(this.core.stores)), this.core.instrument);
    return this.featuresView;
  }

  /** Drift and data-quality monitoring with Evidently's statistics. */
  get monitoring(): Monitoring {
    this.assertOpen();
    this.monitoringView ??= new Monitoring(this.core.monitoring, this.principal, this.core.authz);
    return this.monitoringView;
  }

  /** ONNX models served in this process with dynamic batching. */
  get serving(): Serving {
    this.assertOpen();
    this.servingView ??= instrumentMethods(new Serving(this.core.serving, this.principal, this.core.authz), servingSpans(this.core.instrument), this.core.instrument);
    return this.servingView;
  }

  /** Trading controls: the kill switch, evidence packs, the model inventory. */
  get controls(): Controls {
    this.assertOpen();
    this.controlsView ??= new Controls(this.core.controls, this.principal, this.core.authz);
    return this.controlsView;
  }

  /** The hash-chained audit log: query and verify. */
  get audit(): Audit {
    this.assertOpen();
    this.auditView ??= new Audit(this.core.auditLog, this.principal, this.core.authz);
    return this.auditView;
  }

  /** Decides what each principal may do (built-in and configured roles). */
  get authorizer(): Authorizer {
    return this.core.authz;
  }

  get events(): EventBus<MlopsEvents> {
    return this.core.events;
  }

  get metrics(): MetricsRegistry {
    return this.core.metrics;
  }

  get clock(): Clock {
    return this.core.clock;
  }

  /** Folder of the embedded defaults. */
  get dir(): string {
    return this.core.dir;
  }

  get closed(): boolean {
    return this.core.closed;
  }

  /** The same runtime acting as another principal: same stores, its own permissions and audit trail. */
  as(principal: Principal): Mlops {
    this.assertOpen();
    return new Mlops(this.core, parsePrincipal(principal));
  }

  /** Releases every handle the runtime opened (stores passed in as instances are the caller's). */
  close(): Promise<void> {
    const core = this.core;
    core.closing ??= (async () => {
      core.events.emit('close');
      core.closed = true;
      // Modules write what they still hold (buffered metrics) before the stores go away.
      core.registry.close();
      core.controls.close();
      core.monitoring.close();
      core.features.close();
      const flushed = await Promise.allSettled([core.tracking.close(), core.serving.close()]);
      const results = [...flushed, ...(await Promise.allSettled(core.ownedStores.map((s) => s.close())))];
      core.events.removeAllListeners();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return core.closing;
  }

  private assertOpen(): void {
    if (this.core.closed) throw new UnavailableError('This mlops runtime is closed');
  }
}

/**
 * Creates a runtime. With no options everything lives under `./.mlops` (SQLite, local files, memory);
 * URLs or adapter instances select PostgreSQL, S3 and Redis.
 */
export async function createMlops(options: MlopsOptions = {}): Promise<Mlops> {
  // An empty variable (MLOPS_ONLINE= in a shell or compose file) means unset, as for most tools.
  const env = Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
  const cwd = process.cwd();
  const dir = resolve(cwd, options.dir ?? env.MLOPS_DIR ?? '.mlops');
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new InvalidArgumentError('Invalid logger: expected a pino-compatible logger with error, warn, info and debug methods');
  }
  const slowOperationMs = options.slowOperationMs ?? 1000;
  if (!Number.isFinite(slowOperationMs) || slowOperationMs < 0) throw new InvalidArgumentError(`Invalid slowOperationMs: ${String(slowOperationMs)} must be a number >= 0`);
  const principal = options.principal === undefined ? { ...LOCAL_ADMIN, roles: [...LOCAL_ADMIN.roles] } : parsePrincipal(options.principal);
  const clock = options.clock ?? systemClock;
  const metadata = options.metadata ?? env.MLOPS_METADATA ?? `sqlite://${resolve(dir, 'mlops.db')}`;
  const artifacts = options.artifacts ?? env.MLOPS_ARTIFACTS ?? resolve(dir, 'artifacts');
  const online = options.online ?? env.MLOPS_ONLINE ?? 'memory';
  // Check roles and parse every URL before opening anything, so a typo leaves nothing open.
  const authz = new Authorizer(options.roles ?? {});
  checkControlsOptions(options.controls);
  const metadataTarget = typeof metadata === 'string' ? parseMetadataUrl(metadata, cwd) : undefined;
  const artifactTarget = typeof artifacts === 'string' ? parseArtifactsUrl(artifacts, cwd) : undefined;
  const onlineTarget = typeof online === 'string' ? parseOnlineUrl(online) : undefined;

  // One authenticated call per server store before anything opens: a missing database, role or
  // credential fails here, named and with the fix, not as INTERNAL on the first write.
  if (metadataTarget?.kind === 'postgres') await probePostgres(metadataTarget.url);
  if (onlineTarget?.kind === 'redis') await probeRedis(onlineTarget);

  const owned: Array<{ close(): Promise<void> }> = [];
  try {
    let metadataStore: SqlDriver;
    if (typeof metadata !== 'string') metadataStore = metadata;
    else if (metadataTarget?.kind === 'postgres') metadataStore = await openPostgres({ url: metadataTarget.url, clock });
    else metadataStore = await openSqlite({ path: (metadataTarget as { path: string }).path, clock });
    if (typeof metadata === 'string') owned.push(metadataStore);

    let artifactStore: BlobStore;
    if (typeof artifacts !== 'string') artifactStore = artifacts;
    else if (artifactTarget?.kind === 's3') artifactStore = await openS3BlobStore(artifactTarget);
    else artifactStore = await openLocalBlobStore({ root: (artifactTarget as { root: string }).root });
    if (typeof artifacts === 'string') owned.push(artifactStore);
    if (artifactTarget?.kind === 's3') await probeS3(artifactStore, artifactTarget);

    let onlineStore: KvStore;
    if (typeof online !== 'string') onlineStore = online;
    else if (onlineTarget?.kind === 'redis') onlineStore = await openRedisKvStore({ url: onlineTarget.url });
    else onlineStore = createMemoryKvStore({ clock });
    if (typeof online === 'string') owned.push(onlineStore);

    const events = new EventBus<MlopsEvents>();
    const logger: MlopsLogger | undefined = options.logger;
    if (logger !== undefined) logEvents(events, logger);
    await metadataStore.migrate(GOVERNANCE_MODULE, governanceMigrations);
    const auditLog = new AuditLog(metadataStore, clock);
    const tracking = new TrackingEngine({ sql: metadataStore, blobs: artifactStore, clock, events, audit: auditLog });
    await tracking.init();
    // Processes on shared stores wake each other through it (registry changes; see change-signal.ts).
    const signal = new ChangeSignal(
      [metadataStore.signalTransport?.(), onlineStore.signalTransport?.()].filter((t): t is SignalTransport => t !== undefined),
      (err, transport) => events.emit('warning', { source: 'signal', message: `Change signal over ${transport} failed: ${(err as Error)?.message}; polling continues`, cause: err }),
    );
    owned.unshift(signal);
    const registry = new RegistryEngine({ sql: metadataStore, blobs: artifactStore, clock, events, audit: auditLog, auditQuery: (q) => auditLog.query(q), signal }, tracking, options.registry);
    await registry.init();
    const metrics = new MetricsRegistry(options.metrics);
    const features = new FeaturesEngine({ sql: metadataStore, kv: onlineStore, clock, events, metrics, audit: auditLog }, options.features);
    await features.init();
    const serving = new ServingEngine(events, registry, metrics, features, metadataStore, clock);
    const controls = new ControlsEngine(
      { sql: metadataStore, clock, events, metrics, audit: auditLog, registry, readers: policyReaders(tracking, artifactStore), featureViews: () => [...features.definitions.views.values()], loadedNames: () => [...serving.models].map((m) => m.name), signal },
      options.controls,
    );
    await controls.init();
    registry.controls = controls;
    serving.controls = controls;
    const monitoring = new MonitoringEngine({ events, metrics, clock }, artifactStore, features);
    const core: RuntimeCore = {
      stores: { metadata: metadataStore, artifacts: artifactStore, online: onlineStore },
      events,
      metrics,
      clock,
      dir,
      closed: false,
      ownedStores: owned,
      signal,
      tracking,
      auditLog,
      authz,
      registry,
      features,
      monitoring,
      serving,
      instrument: { logger, slowMs: slowOperationMs },
      controls,
    };
    return new Mlops(core, principal);
  } catch (err) {
    await Promise.allSettled(owned.map((s) => s.close()));
    throw err;
  }
}
