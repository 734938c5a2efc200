import { InvalidArgumentError } from '../core/errors.js';
import type { BlobStore } from '../adapters/blob/types.js';
import type { Principal } from '../governance/index.js';
import type { Authorizer } from '../governance/index.js';
import { readOfflineColumns, type FeaturesEngine } from '../features/index.js';
import { checkModelName, checkVersion } from '../registry/index.js';
import { driftReport, type DriftOptions, type DriftReport } from './drift.js';
import { DriftMonitor, type MonitorHost, type MonitorOptions } from './monitor.js';
import { buildProfile, toColumns, type Columns, type ReferenceProfile, type Rows } from './profile.js';

/** Shared by every principal's view of one runtime: the live monitors. */
export class MonitoringEngine {
  readonly monitors = new Map<string, DriftMonitor>();

  constructor(
    readonly host: MonitorHost,
    readonly blobs: BlobStore,
    readonly features: FeaturesEngine,
  ) {}

  close(): void {
    for (const m of this.monitors.values()) m.close();
    this.monitors.clear();
  }
}

/** Names of monitors fed by a feature view's pushes (`monitorFeatureView`). */
const FEATURE_VIEW_PREFIX = 'feature_view:';

/** A model monitor needs read on the model; a `feature_view:` monitor read on the view. */
function checkMonitor(authz: Authorizer, principal: Principal, name: string): void {
  if (name.startsWith(FEATURE_VIEW_PREFIX)) authz.check(principal, 'read', { kind: 'feature_view', name: name.slice(FEATURE_VIEW_PREFIX.length) });
  else authz.check(principal, 'read', { kind: 'registered_model', name });
}

/** Where a version's reference profile is stored (also read by approval policies' drift checks). */
export function referenceKey(name: string, version: number): string {
  return `monitoring/references/${encodeURIComponent(name)}/${version}.json`;
}

/** `ml.monitoring`: drift and data quality with Evidently's statistics, computed in-process. */
export class Monitoring {
  constructor(
    private readonly engine: MonitoringEngine,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {}

  /** A live monitor for a model; a second call with the same name replaces the first. */
  monitor(name: string, options: MonitorOptions): DriftMonitor {
    if (typeof name !== 'string' || name.length === 0 || name.length > 256) throw new InvalidArgumentError(`Invalid name: ${JSON.stringify(name)} must be 1-256 characters`);
    // Checked before the old monitor of that name is closed: a caller without rights used to be
    // able to close any `feature_view:` monitor by naming it.
    checkMonitor(this.authz, this.principal, name);
    this.engine.monitors.get(name)?.close();
    const monitor = new DriftMonitor(name, options, this.engine.host);
    this.engine.monitors.set(name, monitor);
    return monitor;
  }

  /**
   * A monitor fed by every push to a feature view from this process: data quality (nulls,
   * out-of-range values, unseen categories) and drift of the features written, against a reference.
   * Its name is `feature_view:<view>`; close it to stop watching.
   */
  monitorFeatureView(view: string, options: MonitorOptions): DriftMonitor {
    this.authz.check(this.principal, 'read', { kind: 'feature_view', name: view });
    const monitor = this.monitor(`${FEATURE_VIEW_PREFIX}${view}`, options);
    const off = this.engine.host.events.on('features.pushed', (e) => {
      if (e.view === view) monitor.observe(e.rows as Array<Record<string, unknown>>);
    });
    monitor.addHook('close', off);
    return monitor;
  }

  /**
   * The live monitors of this runtime that the principal may read (model monitors need read on
   * registered models, `feature_view:` monitors read on feature views); PERMISSION_DENIED with neither.
   */
  list(): DriftMonitor[] {
    const models = this.authz.can(this.principal, 'read', 'registered_model');
    const views = this.authz.can(this.principal, 'read', 'feature_view');
    if (!models && !views) this.authz.check(this.principal, 'read', { kind: 'registered_model' });
    return [...this.engine.monitors.values()].filter((m) => (m.name.startsWith(FEATURE_VIEW_PREFIX) ? views : models));
  }

  /** One-off drift between two datasets (rows or columns). Monitoring work: needs read on registered models. */
  compare(reference: Columns | Rows, current: Columns | Rows, options: DriftOptions = {}): DriftReport {
    this.authz.check(this.principal, 'read', { kind: 'registered_model' });
    return driftReport(toColumns(reference, 'reference'), toColumns(current, 'current'), options);
  }

  /** A reference profile from data: a bounded sample per column plus ranges and categories. Needs read on registered models. */
  profile(data: Columns | Rows, options: { sampleSize?: number; seed?: number } = {}): ReferenceProfile {
    this.authz.check(this.principal, 'read', { kind: 'registered_model' });
    return buildProfile(data, options);
  }


  /** A reference profile from a feature view's offline rows in [start, end). */
  async profileFromFeatures(options: { view: string; features?: string[]; start?: number | string | Date; end?: number | string | Date; sampleSize?: number }): Promise<ReferenceProfile> {
    this.authz.check(this.principal, 'read', { kind: 'feature_view', name: options?.view });
    const columns = await readOfflineColumns(this.engine.features, {
      view: options.view,
      ...(options.features !== undefined ? { features: options.features } : {}),
      ...(options.start !== undefined ? { start: options.start } : {}),
      ...(options.end !== undefined ? { end: options.end } : {}),
    });
    return buildProfile(columns, options.sampleSize !== undefined ? { sampleSize: options.sampleSize } : {});
  }

  /** Stores a reference profile with a model version (e.g. its training data). */
  async saveReference(name: string, version: number, profile: ReferenceProfile): Promise<void> {
    checkModelName(name);
    const v = checkVersion(version);
    this.authz.check(this.principal, 'write', { kind: 'registered_model', name });
    if (profile === null || typeof profile !== 'object' || typeof profile.columns !== 'object') throw new InvalidArgumentError('Invalid profile: expected a ReferenceProfile');
    await this.engine.blobs.put(referenceKey(name, v), JSON.stringify(profile));
  }

  async loadReference(name: string, version: number): Promise<ReferenceProfile> {
    checkModelName(name);
    const v = checkVersion(version);
    this.authz.check(this.principal, 'read', { kind: 'registered_model', name });
    return JSON.parse(Buffer.from(await this.engine.blobs.get(referenceKey(name, v))).toString('utf8')) as ReferenceProfile;
  }
}
