import { readFile } from 'node:fs/promises';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { EventBus, MlopsEvents } from '../core/events.js';
import type { Principal } from '../governance/principal.js';
import type { Authorizer } from '../governance/rbac.js';
import { parseModelRef } from '../registry/names.js';
import { readOnnxSignature } from '../registry/onnx-signature.js';
import type { RegistryEngine } from '../registry/registry.js';
import { verifyBytes } from '../registry/version-store.js';
import type { BatchingOptions } from './batcher.js';
import { loadOrt } from './ort.js';
import { ServedModel, createSession, type SessionOptions } from './served-model.js';
import { followAlias } from './alias-follower.js';
import { attachMonitor, instrument, type MonitorHook } from './instrumentation.js';
import type { MetricsRegistry } from '../core/metrics.js';

export interface LoadOptions extends SessionOptions {
  /** Served name (Open Inference Protocol); default the registered model's name or the file name. */
  name?: string;
  batching?: BatchingOptions;
  /** Run once at load so the first request is fast. Default true. */
  warmup?: boolean;
  /** Serve a version that is not approved (`name/3` of a draft, `name@latest`). Default false. */
  allowUnapproved?: boolean;
  /** A model loaded by alias follows it (hot swap). Default true. */
  follow?: boolean;
  /** How often to look for alias changes made by other processes (ms). Default 1000. */
  followIntervalMs?: number;
  /** Feed sampled inputs and outputs to a drift monitor. */
  monitor?: MonitorHook;
}

export type ModelSourceRef = string | { file: string } | { bytes: Uint8Array; name?: string };

/** Shared by every principal's view: the loaded models. */
export class ServingEngine {
  readonly models = new Set<ServedModel>();

  constructor(
    readonly events: EventBus<MlopsEvents>,
    readonly registry: RegistryEngine,
    readonly metrics: MetricsRegistry,
  ) {}

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

  /**
   * Loads `name@alias`, `name/version` (approved versions only unless `allowUnapproved`), a file or
   * bytes. Registry artifacts are checked against their sha256 before a session is created.
   */
  async load(source: ModelSourceRef, options: LoadOptions = {}): Promise<ServedModel> {
    let bytes: Uint8Array;
    let name: string;
    let version: number | null = null;
    let signature;
    if (typeof source === 'string') {
      const ref = parseModelRef(source);
      this.authz.check(this.principal, 'read', { kind: 'registered_model', name: ref.name });
      const resolved = await this.engine.registry.resolver.resolve(source);
      if (resolved.approval !== 'approved' && !options.allowUnapproved) {
        throw new FailedPreconditionError(`Model version ${resolved.name}/${resolved.version} is ${resolved.approval}; only approved versions serve (or pass allowUnapproved)`);
      }
      bytes = await this.engine.registry.ctx.blobs.get(resolved.artifactKey);
      verifyBytes(bytes, resolved.sha256, `${resolved.name}/${resolved.version}`);
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
    for (const out of signature.outputs) {
      if (out.kind !== 'tensor') {
        throw new InvalidArgumentError(
          `Invalid model: output ${out.name} is ${out.typeDescription ?? out.kind}, not a tensor (ZipMap?). Export classifiers without ZipMap (skl2onnx: options={id(model): {'zipmap': False}}) so probabilities come out as a tensor`,
        );
      }
    }
    const ort = await loadOrt();
    const label = version === null ? name : `${name}/${version}`;
    const { session, provider } = await createSession(ort, bytes, options, this.engine.events, label);
    const model = new ServedModel(ort, session, options.name ?? name, version, provider, signature, options.batching ?? {});
    if (options.warmup ?? true) await model.warmup();
    instrument(model, this.engine.metrics);
    if (options.monitor !== undefined) attachMonitor(model, options.monitor);
    if (typeof source === 'string' && (options.follow ?? true)) {
      const ref = parseModelRef(source);
      if ('alias' in ref && ref.alias !== 'latest') {
        model.onClose = followAlias(ort, model, source, ref.name, ref.alias, this.engine.registry, this.engine.events, {
          ...options,
          pollIntervalMs: options.followIntervalMs ?? 1000,
        });
      }
    }
    this.engine.models.add(model);
    return model;
  }
}
