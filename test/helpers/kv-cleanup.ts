import type { KvStore } from '../../src/adapters/kv/types.js';

/** Removes every key of a store (its own namespace only), page by page. */
export async function clearKvStore(store: KvStore): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await store.scan('', { count: 1000, ...(cursor ? { cursor } : {}) });
    await store.delete(page.keys);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
