import { LRUCache } from 'lru-cache';
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { ServingBus } from './events.js';
import type { Principal } from '../governance/index.js';
import type { Authorizer } from '../governance/index.js';
import { parseModelRef } from '../registry/index.js';
import { withColumns, type InputColumns } from '../registry/index.js';
import { readOnnxSignature, refuseOpaque } from '../registry/index.js';
import type { ModelArtifacts } from '../registry/index.js';
import type { SqlDriver } from '../adapters/sql/types.js';
import { systemClock, type Clock } from '../core/clock.js';
import { batchLayout } from './batch-axis.js';
import { checkBatching, type BatchingOptions } from './batcher.js';
import { warmupPlan, type WarmupOptions } from './warmup.js';
import { loadOrt } from './ort.js';
import { ServedModel, createSession, type SessionOptions } from './served-model.js';
import { followAlias } from './alias-follower.js';
import { ModelRouter, type RouterOptions } from './router.js';
import { attachMonitor, instrument, type MonitorHook } from './instrumentation.js';
import { SERVING_MODULE, attachPredictionLog, checkLogOptions, servingMigrations, type PredictionLogOptions } from './prediction-log.js';
import type { MetricsRegistry } from '../core/metrics.js';
import type { FeaturesEngine } from '../features/index.js';
import type { ControlLoadOptions, ServingControls } from './control-contract.js';
import { ONLINE_UNAVAILABLE_POLICIES, type OnlineUnavailablePolicy } from '../features/index.js';

export interface LoadOptions extends SessionOptions, ControlLoadOptions {
  /** Served name (Open Inference Protocol); default the registered model's name or the file name. */
  name?: string;
  batching?: BatchingOptions;
  /**
   * Run at load so the first request is fast: true (default) runs once on zeros, symbolic dimensions
   * as 1; `{ dims: { sequence: 512 } }` sizes them; `{ inputs, count }` runs a real sample; false skips it.
   */
  warmup?: boolean | WarmupOptions;
  /** Serve a version that is not approved (`name/3` of a draft, `name@latest`). Default false. */
  allowUnapproved?: boolean;
  /** A model loaded by alias follows it (hot swap). Default true. */
  follow?: boolean;
  /** How often to look for alias changes made by other processes (ms). Default 1000. */
  followIntervalMs?: number;
  /** Feed sampled inputs and outputs to a drift monitor. */
  monitor?: MonitorHook;
  /** Let predict({ entities }) read the model's features from the online store, in this order. */
  features?: FeatureJoinOptions;
  /** Record sampled predictions (inputs, outputs, version, latency) to SQL or a callback. */
  log?: PredictionLogOptions;
  /** Same inputs always give the same outputs: the HTTP server may answer repeats from its cache. Default false. */
  deterministic?: boolean;
  /**
   * Column names of the model's 2-D inputs (a list for one input, or `{ <input>: [names] }`), for a
   * file or bytes, or to replace those stored with a registry version. predict() then takes records.
   */
  columns?: InputColumns;
}

export interface FeatureJoinOptions {
  /** A feature service (its refs, in order, are the input columns) ... */
  service?: string;
  /** ... or the refs themselves. */
  refs?: string[];
  /** What a missing or stale value does: refuse the request (default), use `defaults`, or the last value this process read. */
  missing?: 'reject' | 'default' | 'last-known';
  defaults?: Record<string, number>;
  /**
   * When the online store is unavailable: `fail` the request with UNAVAILABLE (default), or read the
   * features from the offline store (`offline`; counted in feature_online_degraded_reads_total).
   */
  onUnavailable?: OnlineUnavailablePolicy;
}

export type ModelSourceRef = string | { file: string } | { bytes: Uint8Array; name?: string };

/** Shared by every principal's view: the loaded models. */
export class ServingEngine {
  readonly models = new Set<ServedModel>();
  /** Kill switch and output guards, plugged in by the runtime. */
  controls: ServingControls | undefined;

  constructor(
    readonly events: ServingBus,
    readonly registry: ModelArtifacts,
    readonly metrics: MetricsRegistry,
    readonly features: FeaturesEngine,
    /** Serving's own tables (the prediction log), migrated as the `serving` module. */
    readonly sql: SqlDriver,
    readonly clock: Clock = systemClock,
  ) {}

  private migrated: Promise<unknown> | undefined;

  /** The prediction-log table, created on first use. */
  ready(): Promise<unknown> {
    this.migrated ??= this.sql.migrate(SERVING_MODULE, servingMigrations);
    return this.migrated;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.models].map((m) => m.close()));
    this.models.clear();
  }
}

/** `ml.serving`: ONNX models in this process, behind a dynamic batcher. */
export class Serving {
  constructor(
    private readonly engine: ServingEngine,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {}

  /** The models loaded in this runtime and not closed, in load order. Needs read on registered models. */
  list(): ServedModel[] {
    this.authz.check(this.principal, 'read', { kind: 'registered_model' });
    return [...this.engine.models];
  }

  /** The loaded model served under `name` (the most recently loaded one when several share it). */
  get(name: string): ServedModel | undefined {
    this.authz.check(this.principal, 'read', { kind: 'registered_model', name });
    let found: ServedModel | undefined;
    for (const m of this.engine.models) if (m.name === name) found = m;
    return found;
  }

  /** Champion/challenger split by weight (sticky by key), optionally with a shadow. Needs read, as `load`. */
  router(name: string, options: RouterOptions): ModelRouter {
    this.authz.check(this.principal, 'read', { kind: 'registered_model', name });
    return new ModelRouter(name, options, this.engine.events, this.engine.metrics);
  }

  /**
   * Loads `name@alias`, `name/version` (approved versions only unless `allowUnapproved`), a file or
   * bytes. Registry artifacts are checked against their sha256 before a session is created.
   */
  async load(source: ModelSourceRef, options: LoadOptions = {}): Promise<ServedModel> {
    let bytes: Uint8Array;
    let name: string;
    let version: number | null = null;
    let signature;
    // Any source needs read on registered models: a file or bytes serve as much as a registry version.
    this.authz.check(this.principal, 'read', { kind: 'registered_model' });
    if (typeof source === 'string') {
      const ref = parseModelRef(source);
      this.authz.check(this.principal, 'read', { kind: 'registered_model', name: ref.name });
      // Approval is checked before the artifact is read: an unapproved version's bytes are never fetched.
      const checked = await this.engine.registry.resolve(source);
      if (checked.approval !== 'approved' && !options.allowUnapproved) {
        throw new FailedPreconditionError(`Model version ${checked.name}/${checked.version} is ${checked.approval}; only approved versions serve (or pass allowUnapproved)`);
      }
      // By name/version, so a concurrent alias move cannot hand over another version than the one checked.
      const { resolved, bytes: verified } = await this.engine.registry.loadVerifiedArtifact(`${checked.name}/${checked.version}`);
      bytes = verified;
      if (resolved.format === 'opaque') refuseOpaque(`${resolved.name}/${resolved.version}`, bytes);
      name = resolved.name;
      version = resolved.version;
      signature = resolved.signature ?? (await readOnnxSignature(bytes));
    } else if (source !== null && typeof source === 'object' && 'file' in source) {
      try {
        bytes = await readFile(source.file);
      } catch (err) {
        throw new NotFoundError(`Model file ${JSON.stringify(source.file)} cannot be read`, { cause: err });
      }
      name = source.file.split('/').pop()?.replace(/\.onnx$/, '') ?? 'model';
      signature = await readOnnxSignature(bytes, 'source.file');
    } else if (source !== null && typeof source === 'object' && 'bytes' in source && source.bytes instanceof Uint8Array) {
      bytes = source.bytes;
      name = source.name ?? 'model';
      signature = await readOnnxSignature(bytes, 'source.bytes');
    } else {
      throw new InvalidArgumentError("Invalid source: expected 'name@alias', 'name/version', { file } or { bytes }");
    }
    signature = withColumns(signature, options.columns, 'columns');
    for (const out of signature.outputs) {
      if (out.kind !== 'tensor') {
        throw new InvalidArgumentError(
          `Invalid model: output ${out.name} is ${out.typeDescription ?? out.kind}, not a tensor (ZipMap?). Export classifiers without ZipMap (skl2onnx: options={id(model): {'zipmap': False}}) so probabilities come out as a tensor`,
        );
      }
    }
    // Options are checked before a session exists, so a bad one leaves nothing loaded.
    let joiner: ReturnType<typeof featureJoiner> | undefined;
    if (options.features !== undefined) {
      this.authz.check(this.principal, 'read', { kind: 'feature_view' });
      checkJoinOptions(options.features);
      const only = signature.inputs.length === 1 ? signature.inputs[0] : undefined;
      const order = only?.columns === undefined ? undefined : await columnRefs(this.engine.features, options.features, only.name, only.columns);
      joiner = featureJoiner(this.engine.features, options.features, order);
    }
    if (options.log !== undefined) checkLogOptions(options.log);
    checkBatching(options.batching);
    const warmup = warmupPlan(options.warmup, signature);
    const layout = batchLayout(signature);
    if (layout.refusal !== undefined && options.batching !== undefined) {
      // Triton's max_batch_size: 0. Without batching options the model is served unbatched.
      throw new InvalidArgumentError(`Invalid batching: ${name} cannot be batched: ${layout.refusal}; load it without batching options to serve each request alone`, {
        details: { field: 'batching' },
      });
    }
    const alias = typeof source === 'string' ? parseModelRef(source) : undefined;
    const arm = await this.engine.controls?.prepare({
      // Halts name the registered model; a file or bytes by its served name.
      model: typeof source === 'string' ? name : (options.name ?? name),
      ...(alias !== undefined && 'alias' in alias ? { route: alias.alias } : {}),
      version,
      signature,
      options,
    });
    if (options.deterministic !== undefined && typeof options.deterministic !== 'boolean') {
      throw new InvalidArgumentError(`Invalid deterministic: ${JSON.stringify(options.deterministic)} must be true or false`);
    }
    const ort = await loadOrt();
    const label = version === null ? name : `${name}/${version}`;
    const { session, provider } = await createSession(ort, bytes, options, this.engine.events, label);
    const model = new ServedModel(ort, session, options.name ?? name, version, provider, signature, options.batching ?? {});
    try {
      model.deterministic = options.deterministic ?? false;
      arm?.(model);
      await model.warmup(warmup);
      instrument(model, this.engine.metrics);
      if (joiner !== undefined) model.joiner = joiner;
      if (options.log !== undefined) {
        await this.engine.ready();
        attachPredictionLog(model, options.log, this.engine.sql, this.engine.events, this.engine.clock);
      }
      if (options.monitor !== undefined) attachMonitor(model, options.monitor);
      if (typeof source === 'string' && (options.follow ?? true)) {
        const ref = parseModelRef(source);
        if ('alias' in ref && ref.alias !== 'latest') {
          model.whenClosed(
            followAlias(ort, model, source, ref.name, ref.alias, this.engine.registry, this.engine.events, {
              ...options,
              pollIntervalMs: options.followIntervalMs ?? 1000,
            }),
          );
        }
      }
    } catch (err) {
      // Nothing half-loaded stays behind: the session is released and the metrics unregistered.
      await model.close();
      throw err;
    }
    const models = this.engine.models;
    model.whenClosed(() => models.delete(model));
    this.engine.models.add(model);
    return model;
  }
}

/** Checks feature-join options at load, before anything is read or created. */
function checkJoinOptions(options: FeatureJoinOptions): void {
  const policy = options.missing ?? 'reject';
  if (!['reject', 'default', 'last-known'].includes(policy)) throw new InvalidArgumentError(`Invalid features.missing: ${JSON.stringify(policy)} must be reject, default or last-known`);
  if (options.onUnavailable !== undefined && !ONLINE_UNAVAILABLE_POLICIES.includes(options.onUnavailable)) {
    throw new InvalidArgumentError(`Invalid features.onUnavailable: ${JSON.stringify(options.onUnavailable)} must be one of ${ONLINE_UNAVAILABLE_POLICIES.join(', ')}`);
  }
  if (options.service === undefined && !(Array.isArray(options.refs) && options.refs.length > 0)) {
    throw new InvalidArgumentError('Invalid features: give service or refs');
  }
}

/**
 * Which feature ref fills each named column: the ref itself (`px:vwap_5m`) or its feature name
 * (`vwap_5m`). A column that no ref (or more than one) fills is refused at load.
 */
async function columnRefs(features: FeaturesEngine, options: FeatureJoinOptions, input: string, columns: string[]): Promise<string[]> {
  const { refs } = await features.resolveRefs(options.service !== undefined ? { featureService: options.service } : { features: options.refs as string[] });
  return columns.map((column) => {
    const hits = refs.filter((r) => r === column || r.slice(r.indexOf(':') + 1) === column);
    if (hits.length !== 1) {
      throw new FailedPreconditionError(
        `Invalid features: column ${column} of input ${input} is ${hits.length === 0 ? 'not among' : 'named more than once in'} the features read (${refs.join(', ')})`,
      );
    }
    return hits[0] as string;
  });
}

/** Most entity-feature values one model keeps for `missing: 'last-known'`. */
const LAST_KNOWN_MAX = 100_000;

/** Builds input rows from entities: one online read for all, then the policy for missing values. */
function featureJoiner(features: FeaturesEngine, options: FeatureJoinOptions, order?: string[]): (entities: Array<Record<string, unknown>>) => Promise<number[][]> {
  const policy = options.missing ?? 'reject';
  // The last value read per entity and feature, kept as long as the feature's view keeps a value
  // fresh (its ttl) and for at most LAST_KNOWN_MAX entity-features: a Map here grew with every entity
  // ever seen and served values of any age.
  const lastKnown = new LRUCache<string, number>({ max: LAST_KNOWN_MAX, ttlResolution: 0, perf: { now: () => features.ctx.clock.now() } });
  const ttlOf = (ref: string): number => features.definitions.views.get(ref.slice(0, ref.indexOf(':')))?.ttlMs ?? 0;
  return async (entities) => {
    const onUnavailable = options.onUnavailable ?? 'fail';
    const request = options.service !== undefined ? { featureService: options.service, entities, onUnavailable } : { features: options.refs as string[], entities, onUnavailable };
    const { rows } = await features.getOnline(request);
    return rows.map((row, i) =>
      // With column names, values go in the model's column order; else in the features' order.
      (order ?? Object.keys(row.values)).map((ref) => {
        const value = row.values[ref];
        const key = `${JSON.stringify(entities[i])}|${ref}`;
        if (typeof value === 'number') {
          if (policy === 'last-known') lastKnown.set(key, value, ttlOf(ref) > 0 ? { ttl: ttlOf(ref) } : {});
          return value;
        }
        if (policy === 'default' && options.defaults?.[ref] !== undefined) return options.defaults[ref] as number;
        if (policy === 'last-known') {
          const known = lastKnown.get(key);
          if (known !== undefined) return known;
        }
        throw new FailedPreconditionError(`Feature ${ref} of entities[${i}] is ${row.status[ref]} and the model's policy is ${policy}`, {
          details: { entity: i, feature: ref, status: row.status[ref] },
        });
      }),
    );
  };
}
