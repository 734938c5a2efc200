import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../adapters/blob/types.js';
import { ErrorCode } from '../core/errors.js';
import { buffer as readAll } from 'node:stream/consumers';

export interface BlobSuiteOptions {
  /** Size of the large-object test; put it above the store's multipart threshold. Default 6 MiB. */
  largeObjectBytes?: number;
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Keys that must never be accepted by any store. */
export const HOSTILE_BLOB_KEYS: readonly string[] = [
  '',
  '..',
  '.',
  '../escape',
  'a/../../escape',
  'a/./b',
  '/etc/passwd',
  '//server/share',
  'C:/Windows/win.ini',
  'c:evil',
  'a\\..\\..\\escape',
  '..\\escape',
  'a\u0000b',
  'nul\u0000',
  'line\nbreak',
  'tab\tkey',
  '%2e%2e/escape',
  '..%2fescape',
  'a%2F..%2F..%2Fescape',
  '%2E%2E%5Cescape',
  'a//b',
  'trailing/',
  '\uFF0E\uFF0E/escape',
  'a/\u2024\u2024/escape',
  '. ./escape',
  '.../escape',
  'a/ /b',
  'lone\uD800surrogate',
  'x'.repeat(1100),
  '\u0085next-line',
];

/**
 * The conformance suite for `BlobStore`. `factory` returns a store with an empty root each call; the
 * suite closes it.
 */
export function blobStoreSuite(name: string, factory: () => Promise<BlobStore>, options: BlobSuiteOptions = {}): void {
  describe(`BlobStore conformance: ${name}`, () => {
    async function withStore(fn: (store: BlobStore) => Promise<void>): Promise<void> {
      const store = await factory();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    }

    it('writes bytes, text and streams and reads them back with size and sha256', () =>
      withStore(async (store) => {
        const bytes = new Uint8Array([1, 2, 3, 250]);
        const a = await store.put('runs/r1/artifacts/model.bin', bytes);
        expect(a).toMatchObject({ key: 'runs/r1/artifacts/model.bin', size: 4, sha256: sha(bytes) });
        await store.put('runs/r1/notes.txt', 'héllo');
        expect(Buffer.from(await store.get('runs/r1/notes.txt')).toString('utf8')).toBe('héllo');
        const chunks = [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')];
        const s = await store.put('runs/r1/stream.txt', Readable.from(chunks));
        expect(s.size).toBe(6);
        expect(s.sha256).toBe(sha(Buffer.from('abcdef')));
        expect(Buffer.from(await readAll(await store.getStream('runs/r1/stream.txt'))).toString()).toBe('abcdef');
        const head = await store.head('runs/r1/artifacts/model.bin');
        expect(head).toMatchObject({ size: 4, sha256: sha(bytes) });
        expect(head?.lastModified).toBeGreaterThan(0);
      }));

    it('replaces an object whole on a second put', () =>
      withStore(async (store) => {
        await store.put('k', 'first version, longer');
        await store.put('k', 'second');
        expect(Buffer.from(await store.get('k')).toString()).toBe('second');
        expect((await store.head('k'))?.sha256).toBe(sha(Buffer.from('second')));
      }));

    it('reports absent objects', () =>
      withStore(async (store) => {
        await expect(store.get('missing/key')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
        await expect(store.getStream('missing/key')).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
        expect(await store.head('missing/key')).toBeUndefined();
        expect(await store.delete('missing/key')).toBe(false);
      }));

    it('lists by prefix in key order, a page at a time', () =>
      withStore(async (store) => {
        const keys = Array.from({ length: 25 }, (_, i) => `exp/run-${String(i).padStart(2, '0')}/m.txt`);
        for (const key of keys) await store.put(key, key);
        await store.put('exp-other/x.txt', 'x');
        await store.put('other/y.txt', 'y');
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list('exp/', { limit: 10, ...(cursor ? { cursor } : {}) });
          seen.push(...page.entries.map((e) => e.key));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor !== undefined && pages < 10);
        expect(seen).toEqual(keys);
        expect(pages).toBe(3);
        const partial = await store.list('exp/run-1');
        expect(partial.entries.map((e) => e.key)).toEqual(keys.slice(10, 20));
        const all = await store.list('');
        expect(all.entries).toHaveLength(27);
        expect(all.entries.find((e) => e.key === 'other/y.txt')?.size).toBe(1);
      }));

    it('deletes objects', () =>
      withStore(async (store) => {
        await store.put('d/one', '1');
        await store.put('d/two', '2');
        expect(await store.delete('d/one')).toBe(true);
        expect((await store.list('d/')).entries.map((e) => e.key)).toEqual(['d/two']);
        expect(await store.head('d/one')).toBeUndefined();
      }));

    it('refuses every hostile key with INVALID_ARGUMENT before touching storage', () =>
      withStore(async (store) => {
        for (const key of HOSTILE_BLOB_KEYS) {
          await expect(store.put(key, 'x'), `put ${JSON.stringify(key)}`).rejects.toMatchObject({
            code: ErrorCode.INVALID_ARGUMENT,
          });
          await expect(store.get(key), `get ${JSON.stringify(key)}`).rejects.toMatchObject({
            code: ErrorCode.INVALID_ARGUMENT,
          });
        }
        expect((await store.list('')).entries).toEqual([]);
      }));

    it('stores a large object intact', () =>
      withStore(async (store) => {
        const size = options.largeObjectBytes ?? 6 * 1024 * 1024;
        const big = Buffer.alloc(size);
        for (let i = 0; i < size; i += 4096) big[i] = (i / 4096) % 251;
        const fromBytes = await store.put('big/bytes.bin', big);
        expect(fromBytes).toMatchObject({ size, sha256: sha(big) });
        const half = Math.floor(size / 2);
        const fromStream = await store.put('big/stream.bin', Readable.from([big.subarray(0, half), big.subarray(half)]));
        expect(fromStream.sha256).toBe(sha(big));
        expect(sha(await store.get('big/stream.bin'))).toBe(sha(big));
        expect((await store.head('big/stream.bin'))?.size).toBe(size);
      }));

    it('names the store root as a URI', () =>
      withStore(async (store) => {
        expect(store.uri).toMatch(/^[a-z0-9]+:\/\//);
      }));
  });
}
