import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ServedModel } from '../../serving/served-model.js';

/**
 * Answers repeated infer requests to deterministic models from memory. Keys hold the model, the
 * version serving and a digest of the inputs and outputs asked for; a version swap drops the model's
 * entries (and the version in the key keeps a race from returning the old version's answer).
 */
export class InferCache {
  private readonly cache: LRUCache<string, Record<string, unknown>>;
  private readonly watched = new WeakSet<ServedModel>();
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  key(model: ServedModel, body: unknown): string {
    const digest = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
    return `${model.name}\u0000${model.version ?? 'file'}\u0000${digest}`;
  }

  get(model: ServedModel, key: string): Record<string, unknown> | undefined {
    this.watch(model);
    const hit = this.cache.get(key);
    if (hit === undefined) this.misses += 1;
    else this.hits += 1;
    return hit;
  }

  set(key: string, value: Record<string, unknown>): void {
    this.cache.set(key, value);
  }

  private watch(model: ServedModel): void {
    if (this.watched.has(model)) return;
    this.watched.add(model);
    model.on('swap', () => {
      const prefix = `${model.name}\u0000`;
      for (const k of this.cache.keys()) if (k.startsWith(prefix)) this.cache.delete(k);
    });
  }
}
