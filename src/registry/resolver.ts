import { LRUCache } from 'lru-cache';
import { FailedPreconditionError } from '../core/errors.js';
import type { RegistryContext } from './context.js';
import type { Aliases } from './aliases.js';
import { parseModelRef } from './names.js';
import type { ModelVersion, ResolvedModel } from './types.js';
import type { VersionStore } from './version-store.js';

/**
 * Resolves `name@alias` and `name/version` to a version and its artifact location, from a cache.
 * The cache is dropped on this process's registry events at once, and when another process changes
 * the registry (seen by polling `registry_changes`, every `pollIntervalMs`).
 */
export class ModelResolver {
  private readonly cache = new LRUCache<string, ResolvedModel>({ max: 10_000 });
  private generation = 0;
  private lastSeq: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly ctx: RegistryContext,
    private readonly versions: VersionStore,
    private readonly aliases: Aliases,
    pollIntervalMs: number,
  ) {
    const drop = () => this.invalidate();
    for (const event of ['registry.alias.set', 'registry.alias.removed', 'registry.approval.changed', 'registry.model.renamed', 'registry.version.created'] as const) {
      this.unsubscribe.push(ctx.events.on(event, drop));
    }
    if (pollIntervalMs > 0) {
      this.timer = setInterval(() => void this.poll().catch(() => undefined), pollIntervalMs);
      this.timer.unref();
    }
  }

  invalidate(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /** Checks for changes made by other processes; drops the cache when there are any. */
  async poll(): Promise<boolean> {
    const [row] = await this.ctx.sql.query<{ seq: number }>('SELECT seq FROM registry_changes WHERE id = 1');
    const seq = Number(row?.seq ?? 0);
    const changed = this.lastSeq !== undefined && seq !== this.lastSeq;
    this.lastSeq = seq;
    if (changed) this.invalidate();
    return changed;
  }

  async resolve(ref: string): Promise<ResolvedModel> {
    const hit = this.cache.get(ref);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    if (this.lastSeq === undefined) await this.poll();
    const parsed = parseModelRef(ref);
    const version: ModelVersion = 'alias' in parsed ? await this.aliases.get(parsed.name, parsed.alias) : await this.versions.get(parsed.name, parsed.version);
    if (version.status !== 'READY') throw new FailedPreconditionError(`Model version ${version.name}/${version.version} is ${version.status}`);
    const [row] = await this.ctx.sql.query<{ artifact_key: string }>(
      'SELECT v.artifact_key FROM registry_versions v JOIN registry_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?',
      [version.name, version.version],
    );
    const artifactKey = row?.artifact_key as string;
    const resolved: ResolvedModel = {
      name: version.name,
      version: version.version,
      sha256: version.sha256,
      size: version.size,
      artifactKey,
      uri: `${this.ctx.blobs.uri}/${artifactKey}`,
      signature: version.signature,
      approval: version.approval,
      format: version.format,
    };
    // A change that landed while this lookup ran must not be hidden behind a stale entry.
    if (generation === this.generation) this.cache.set(ref, resolved);
    return resolved;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe) off();
    this.cache.clear();
  }
}
