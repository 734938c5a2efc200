import { LRUCache } from 'lru-cache';
import { FailedPreconditionError } from '../core/errors.js';
import type { RegistryContext } from './context.js';
import type { Aliases } from './aliases.js';
import { parseModelRef } from './names.js';
import type { ModelVersion, ResolvedModel } from './types.js';
import type { VersionStore } from './version-store.js';

/** The change-signal channel of the registry: every committed change wakes the other processes on it. */
export const REGISTRY_CHANNEL = 'registry';

/**
 * Resolves `name@alias` and `name/version` to a version and its artifact location, from a cache.
 * The cache is dropped on this process's registry events at once, and when another process changes
 * the registry: seen by reading `registry_changes`, woken by the change signal (PostgreSQL NOTIFY,
 * Redis pub/sub: sub-second) and at least every `pollIntervalMs` (the floor). One reader of the
 * change sequence fans out to every follower (`onChange`): a follower that read the sequence itself
 * used to consume changes the others then never saw.
 */
export class ModelResolver {
  private readonly cache = new LRUCache<string, ResolvedModel>({ max: 10_000 });
  private generation = 0;
  private lastSeq: number | undefined;
  private stopWatching: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly ctx: RegistryContext,
    private readonly versions: VersionStore,
    private readonly aliases: Aliases,
    private readonly pollIntervalMs: number,
  ) {
    const changed = () => {
      this.invalidate();
      ctx.signal?.notify(REGISTRY_CHANNEL);
    };
    for (const event of ['registry.alias.set', 'registry.alias.removed', 'registry.approval.changed', 'registry.model.renamed', 'registry.version.created'] as const) {
      this.unsubscribe.push(ctx.events.on(event, changed));
    }
  }

  invalidate(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /**
   * Calls `listener` whenever a look at the change sequence finds the registry changed (by any
   * process). Starts watching for changes; returns the function that stops the listener.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    this.watch();
    return () => this.listeners.delete(listener);
  }

  /** Checks for changes made by other processes; drops the cache and tells every listener when there are any. */
  async poll(): Promise<boolean> {
    const [row] = await this.ctx.sql.query<{ seq: number }>('SELECT seq FROM registry_changes WHERE id = 1');
    const seq = Number(row?.seq ?? 0);
    // Only a higher sequence is news: two polls finishing out of order must not report a change twice.
    const changed = this.lastSeq !== undefined && seq > this.lastSeq;
    if (this.lastSeq === undefined || seq > this.lastSeq) this.lastSeq = seq;
    if (changed) {
      this.invalidate();
      for (const listener of this.listeners) {
        try {
          listener();
        } catch (err) {
          this.ctx.events.emit('warning', { source: 'registry', message: `A registry change listener failed: ${(err as Error).message}`, cause: err });
        }
      }
    }
    return changed;
  }

  /** Watching starts with the first lookup or listener: a process that never resolves holds no listening connection. */
  private watch(): void {
    if (this.stopWatching !== undefined || this.closed) return;
    const poll = () => void this.poll().catch(() => undefined);
    if (this.ctx.signal !== undefined) {
      this.stopWatching = this.ctx.signal.on(REGISTRY_CHANNEL, poll, { floorMs: this.pollIntervalMs });
    } else if (this.pollIntervalMs > 0) {
      const timer = setInterval(poll, this.pollIntervalMs);
      timer.unref();
      this.stopWatching = () => clearInterval(timer);
    } else this.stopWatching = () => undefined;
  }

  async resolve(ref: string): Promise<ResolvedModel> {
    const hit = this.cache.get(ref);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    this.watch();
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
    this.closed = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.listeners.clear();
    for (const off of this.unsubscribe) off();
    this.cache.clear();
  }
}
