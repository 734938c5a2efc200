import { InvalidArgumentError } from '../core/errors.js';
import type { Principal } from '../governance/index.js';
import type { Action, Authorizer } from '../governance/index.js';
import type { TrackingEngine } from '../tracking/index.js';
import { Aliases } from './aliases.js';
import { Approvals } from './approvals.js';
import type { RegistryContext } from './context.js';
import { loadVerifiedArtifact, type ModelArtifacts, type VerifiedArtifact } from './model-artifacts.js';
import { ModelStore } from './model-store.js';
import { ModelResolver } from './resolver.js';
import { failAbandonedRegistrations } from './recovery.js';
import { REGISTRY_MODULE, registryMigrations } from './schema.js';
import { FailedPreconditionError } from '../core/errors.js';
import { aliasHistory, resolveAt, type AuditReader } from './alias-history.js';
import type { RegistryControls } from './controls-hooks.js';
import type { AliasPeriod, ApprovalEvent, CreateModelVersionInput, ModelVersion, RegisteredModel, ResolvedModel } from './types.js';
import { VersionStore, verifyBytes } from './version-store.js';

export interface RegistryOptions {
  /** How often to look for registry changes made by other processes (ms). Default 1000; 0 turns it off. */
  pollIntervalMs?: number;
  /**
   * On open, a version still PENDING_REGISTRATION this long after it began is taken as abandoned by a
   * crashed process and marked FAILED_REGISTRATION (audited). Default 600000 (10 min): longer than
   * any artifact copy should take. 0 fails every pending version on open.
   */
  pendingGraceMs?: number;
}

const DEFAULT_PENDING_GRACE_MS = 10 * 60 * 1000;

/** Shared by every principal's view of one runtime. */
export class RegistryEngine implements ModelArtifacts {
  readonly models: ModelStore;
  readonly versions: VersionStore;
  readonly approvals: Approvals;
  readonly aliases: Aliases;
  readonly resolver: ModelResolver;
  /** Approval policies and version controls, plugged in by the runtime (src/controls). */
  controls: RegistryControls | undefined;

  constructor(
    readonly ctx: RegistryContext,
    tracking: TrackingEngine,
    options: RegistryOptions = {},
  ) {
    this.models = new ModelStore(ctx);
    this.versions = new VersionStore(
      ctx,
      {
        readRunArtifact: (runId, path) => tracking.artifacts.download(runId, path),
        readLoggedModelFile: async (modelId, path) => tracking.artifacts.getAt(await tracking.loggedModels.root(modelId), path),
        loggedModelRun: async (modelId) => (await tracking.loggedModels.get(modelId)).sourceRunId,
      },
      () => this.controls,
    );
    this.approvals = new Approvals(ctx, this.versions, () => this.controls);
    this.aliases = new Aliases(ctx, this.versions);
    this.resolver = new ModelResolver(ctx, this.versions, this.aliases, options.pollIntervalMs ?? 1000);
    const grace = options.pendingGraceMs ?? DEFAULT_PENDING_GRACE_MS;
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0) {
      throw new InvalidArgumentError(`Invalid registry.pendingGraceMs: ${JSON.stringify(options.pendingGraceMs)} must be an integer >= 0 (ms)`);
    }
    this.pendingGraceMs = grace;
  }

  private readonly pendingGraceMs: number;

  async init(): Promise<void> {
    await this.ctx.sql.migrate(REGISTRY_MODULE, registryMigrations);
    await failAbandonedRegistrations(this.ctx, this.pendingGraceMs);
  }

  resolve(ref: string): Promise<ResolvedModel> {
    return this.resolver.resolve(ref);
  }

  loadVerifiedArtifact(ref: string): Promise<VerifiedArtifact> {
    return loadVerifiedArtifact(this.resolver, this.ctx.blobs, ref);
  }

  poll(): Promise<boolean> {
    return this.resolver.poll();
  }

  onChange(listener: () => void): () => void {
    return this.resolver.onChange(listener);
  }

  close(): void {
    this.resolver.close();
  }
}

/**
 * The model registry: `ml.registry`. Every call checks the acting principal's permission on
 * registered models; every change is audited in its own transaction.
 */
export class Registry {
  constructor(
    private readonly engine: RegistryEngine,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {}

  async createRegisteredModel(input: { name: string; description?: string; tags?: Record<string, string> }): Promise<RegisteredModel> {
    this.allow('write', input?.name);
    return this.engine.models.create(input, this.principal.id);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    this.allow('read', name);
    return this.engine.models.get(name);
  }

  async searchRegisteredModels(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}) {
    this.allow('read');
    return this.engine.models.search(options);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    this.allow('write', name);
    return this.engine.models.rename(name, newName, this.principal.id);
  }

  async updateRegisteredModel(name: string, input: { description?: string }): Promise<RegisteredModel> {
    this.allow('write', name);
    return this.engine.models.update(name, input, this.principal.id);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    this.allow('write', name);
    return this.engine.models.setTag(name, key, value, this.principal.id);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    this.allow('write', name);
    return this.engine.models.deleteTag(name, key, this.principal.id);
  }

  /** Needs admin; refused while any version holds an alias. Artifacts are removed after the commit. */
  async deleteRegisteredModel(name: string): Promise<void> {
    this.allow('admin', name);
    const keys = await this.engine.models.delete(name, this.principal.id);
    await Promise.all(keys.map((k) => this.engine.ctx.blobs.delete(k).catch(() => false)));
  }

  /** Registers a version from a run artifact, a file or bytes; ONNX signatures are read now. */
  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    this.allow('write', input?.name);
    if (input?.source && typeof input.source === 'object' && 'runId' in input.source) {
      this.authz.check(this.principal, 'read', { kind: 'run', name: input.source.runId });
    }
    if (input?.source && typeof input.source === 'object' && 'modelId' in input.source) this.authz.check(this.principal, 'read', { kind: 'run' });
    return this.engine.versions.create(input, this.principal.id);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    this.allow('read', name);
    return this.engine.versions.get(name, version);
  }

  async searchModelVersions(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}) {
    this.allow('read');
    return this.engine.versions.search(options);
  }

  async updateModelVersion(name: string, version: number, input: { description?: string }): Promise<ModelVersion> {
    this.allow('write', name);
    return this.engine.versions.update(name, version, input, this.principal.id);
  }

  async setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    this.allow('write', name);
    return this.engine.versions.setTag(name, version, key, value, this.principal.id);
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    this.allow('write', name);
    return this.engine.versions.deleteTag(name, version, key, this.principal.id);
  }

  async deleteModelVersion(name: string, version: number): Promise<void> {
    this.allow('admin', name);
    return this.engine.versions.delete(name, version, this.principal.id);
  }

  async requestApproval(name: string, version: number, options: { reason?: string } = {}): Promise<ModelVersion> {
    this.allow('write', name);
    return this.engine.approvals.transition('request', name, version, this.principal.id, options.reason);
  }

  /** Four eyes: refused for the version's creator and for whoever requested the approval. */
  async approve(name: string, version: number, options: { reason?: string } = {}): Promise<ModelVersion> {
    this.allow('approve', name);
    return this.engine.approvals.transition('approve', name, version, this.principal.id, options.reason);
  }

  async reject(name: string, version: number, options: { reason: string }): Promise<ModelVersion> {
    this.allow('approve', name);
    return this.engine.approvals.transition('reject', name, version, this.principal.id, options?.reason);
  }

  /** Withdraws an approval; the version's aliases are removed and serving falls back. */
  async revoke(name: string, version: number, options: { reason: string }): Promise<ModelVersion> {
    this.allow('approve', name);
    return this.engine.approvals.transition('revoke', name, version, this.principal.id, options?.reason);
  }

  async getApprovalHistory(name: string, version: number): Promise<ApprovalEvent[]> {
    this.allow('read', name);
    return this.engine.approvals.history(name, version);
  }

  async setAlias(name: string, alias: string, version: number): Promise<ModelVersion> {
    this.allow('write', name);
    return this.engine.aliases.set(name, alias, version, this.principal.id);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    this.allow('write', name);
    return this.engine.aliases.delete(name, alias, this.principal.id);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    this.allow('read', name);
    return this.engine.aliases.get(name, alias);
  }

  /**
   * The approval policy of a model (policy as code): metric thresholds on the source run, artifacts
   * it must hold, a drift check, distinct approvers. Needs admin; audited. `{ requires: [] }` clears it.
   */
  async setPolicy(name: string, policy: { requires: unknown[] }): Promise<unknown> {
    this.allow('admin', name);
    return this.#controls().setPolicy(name, policy, this.principal.id);
  }

  async getPolicy(name: string): Promise<unknown> {
    this.allow('read', name);
    return this.#controls().getPolicy(name);
  }

  /** Which version `alias` pointed at, from when to when, by whom: from the audit log. */
  async aliasHistory(name: string, alias: string): Promise<AliasPeriod[]> {
    this.allow('read', name);
    return aliasHistory(this.#auditReader(), name, alias);
  }

  /** The version `name@alias` pointed at at `timestamp` (what was live at time T). */
  async resolveAt(ref: string, timestamp: number | string | Date): Promise<{ name: string; alias: string; version: number; period: AliasPeriod }> {
    this.allow('read', typeof ref === 'string' ? ref.split(/[@/]/)[0] : undefined);
    return resolveAt(this.#auditReader(), ref, timestamp);
  }

  #auditReader(): AuditReader {
    const read = this.engine.ctx.auditQuery;
    if (read === undefined) throw new FailedPreconditionError('This registry has no audit reader; alias history needs the audit log');
    return read;
  }

  #controls(): RegistryControls {
    if (this.engine.controls === undefined) throw new FailedPreconditionError('This registry has no controls module; approval policies need it');
    return this.engine.controls;
  }

  /** `name@alias`, `name@latest`, `name/3` (optionally `models:/…`) to a version and artifact location, cached. */
  async resolve(ref: string): Promise<ResolvedModel> {
    this.allow('read', typeof ref === 'string' ? ref.split(/[@/]/)[0] : undefined);
    return this.engine.resolver.resolve(ref);
  }

  /** The version's artifact bytes, verified against the recorded sha256. */
  async readModelVersionArtifact(name: string, version: number): Promise<Uint8Array> {
    this.allow('read', name);
    return (await this.engine.versions.readArtifact(name, version)).bytes;
  }

  /** Reads an artifact resolved earlier and checks its sha256. */
  async readResolved(resolved: ResolvedModel): Promise<Uint8Array> {
    this.allow('read', resolved.name);
    const bytes = await this.engine.ctx.blobs.get(resolved.artifactKey);
    verifyBytes(bytes, resolved.sha256, `${resolved.name}/${resolved.version}`);
    return bytes;
  }

  private allow(action: Action, name?: unknown): void {
    this.authz.check(this.principal, action, typeof name === 'string' ? { kind: 'registered_model', name } : { kind: 'registered_model' });
  }
}
