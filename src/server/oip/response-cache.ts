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

  /**
   * Keyed on the validated tensors (name, type, dims and the bytes of their values) and the outputs
   * asked for, not on the request's JSON: JSON.stringify writes Infinity (`1e400`) and null alike, so
   * an invalid `[null]` was answered with a cached `[1e400]` result.
   */
  key(model: ServedModel, tensors: Record<string, { type: string; data: ArrayLike<unknown>; dims: readonly number[] }>, wanted: string[] | undefined): string {
    const hash = createHash('sha256');
    for (const name of Object.keys(tensors).sort()) {
      const t = tensors[name] as { type: string; data: ArrayLike<unknown>; dims: readonly number[] };
      hash.update(`${name}\u0000${t.type}\u0000${t.dims.join(',')}\u0000`);
      if (ArrayBuffer.isView(t.data)) hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      else for (const v of Array.from(t.data)) hash.update(`${String(v).length}:${String(v)}`);
    }
    hash.update(`\u0000${wanted === undefined ? '*' : wanted.join('\u0000')}`);
    return `${model.name}\u0000${model.version ?? 'file'}\u0000${hash.digest('base64url')}`;
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
