import { describe, expect, it } from 'vitest';
import type { KvStore } from '../adapters/kv/types.js';
import { ErrorCode } from '../core/errors.js';

/** The conformance suite for `KvStore`. `factory` returns an empty store each call; the suite closes it. */
export function kvStoreSuite(name: string, factory: () => Promise<KvStore>): void {
  describe(`KvStore conformance: ${name}`, () => {
    async function withStore(fn: (store: KvStore) => Promise<void>): Promise<void> {
      const store = await factory();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    }

    it('merges fields into a hash and reads them back', () =>
      withStore(async (kv) => {
        await kv.hset('px:AAPL', { vwap: '189.5', vol: '0.2' });
        await kv.hset('px:AAPL', { vol: '0.3', name: 'Äpfel ✓' });
        expect(await kv.hget('px:AAPL', ['vwap', 'vol', 'name', 'absent'])).toEqual(['189.5', '0.3', 'Äpfel ✓', null]);
        expect(await kv.hgetall('px:AAPL')).toEqual({ vwap: '189.5', vol: '0.3', name: 'Äpfel ✓' });
        expect(await kv.hgetall('px:NONE')).toBeUndefined();
        expect(await kv.hget('px:NONE', ['vwap'])).toEqual([null]);
      }));

    it('reads many hashes in request order', () =>
      withStore(async (kv) => {
        await kv.hsetMany([
          { key: 'e:1', fields: { a: '1', b: '2' } },
          { key: 'e:2', fields: { a: '3' } },
        ]);
        const out = await kv.hmgetMany([
          { key: 'e:2', fields: ['a', 'b'] },
          { key: 'e:missing', fields: ['a'] },
          { key: 'e:1', fields: [] },
          { key: 'e:1', fields: ['b', 'a'] },
        ]);
        expect(out).toEqual([['3', null], [null], [], ['2', '1']]);
        expect(await kv.hmgetMany([])).toEqual([]);
      }));

    it('expires keys and keeps an expiry across later writes', () =>
      withStore(async (kv) => {
        await kv.hset('t:short', { v: '1' }, { ttlMs: 60 });
        await kv.hset('t:long', { v: '1' }, { ttlMs: 60_000 });
        await kv.hset('t:long', { w: '2' });
        await kv.hset('t:none', { v: '1' });
        const long = await kv.pttl('t:long');
        expect(long).toBeGreaterThan(50_000);
        expect(long).toBeLessThanOrEqual(60_000);
        expect(await kv.pttl('t:none')).toBe(-1);
        expect(await kv.pttl('t:absent')).toBe(-2);
        await new Promise((r) => setTimeout(r, 150));
        expect(await kv.hget('t:short', ['v'])).toEqual([null]);
        expect(await kv.pttl('t:short')).toBe(-2);
        expect(await kv.expire('t:none', 60)).toBe(true);
        expect(await kv.expire('t:absent', 60)).toBe(false);
        await new Promise((r) => setTimeout(r, 150));
        expect(await kv.hgetall('t:none')).toBeUndefined();
      }));

    it('removes fields and keys', () =>
      withStore(async (kv) => {
        await kv.hset('d:1', { a: '1', b: '2' });
        await kv.hset('d:2', { a: '1' });
        expect(await kv.hdel('d:1', ['a', 'zzz'])).toBe(1);
        expect(await kv.hgetall('d:1')).toEqual({ b: '2' });
        expect(await kv.delete(['d:1', 'd:2', 'd:3'])).toBe(2);
        expect(await kv.hgetall('d:2')).toBeUndefined();
        expect(await kv.delete([])).toBe(0);
      }));

    it('scans keys by prefix across pages', () =>
      withStore(async (kv) => {
        await kv.hsetMany(Array.from({ length: 120 }, (_, i) => ({ key: `scan:${i}`, fields: { v: String(i) } })));
        await kv.hset('other:1', { v: '1' });
        await kv.hset('scan*glob', { v: '1' });
        const seen = new Set<string>();
        let cursor: string | undefined;
        let rounds = 0;
        do {
          const page = await kv.scan('scan:', { count: 25, ...(cursor ? { cursor } : {}) });
          page.keys.forEach((k) => seen.add(k));
          cursor = page.nextCursor;
          rounds += 1;
        } while (cursor !== undefined && rounds < 1000);
        expect(seen.size).toBe(120);
        expect([...seen].every((k) => k.startsWith('scan:'))).toBe(true);
        const glob = await kv.scan('scan*');
        expect(glob.keys).toEqual(['scan*glob']);
      }));

    it('writes only newer orders with hsetManyIfNewer, atomically per key', () =>
      withStore(async (kv) => {
        expect(await kv.hsetManyIfNewer([{ key: 'o:1', fields: { px: '10' }, order: 100 }], '__ts')).toEqual([true]);
        const applied = await kv.hsetManyIfNewer(
          [
            { key: 'o:1', fields: { px: '9' }, order: 99 },
            { key: 'o:1', fields: { px: '11' }, order: 100 },
            { key: 'o:2', fields: { px: '5' }, order: 1 },
          ],
          '__ts',
        );
        expect(applied).toEqual([false, true, true]);
        expect(await kv.hgetall('o:1')).toEqual({ px: '11', __ts: '100' });
        const racing = await Promise.all(
          Array.from({ length: 20 }, (_, i) => kv.hsetManyIfNewer([{ key: 'o:3', fields: { v: String(i) }, order: (i * 7) % 20 }], '__ts')),
        );
        expect(racing.flat().filter(Boolean).length).toBeGreaterThan(0);
        expect(await kv.hget('o:3', ['v', '__ts'])).toEqual([String([...Array(20).keys()].find((i) => (i * 7) % 20 === 19)), '19']);
        await expect(kv.hsetManyIfNewer([{ key: 'o:4', fields: { v: '1' }, order: Number.NaN }], '__ts')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
        expect(await kv.hsetManyIfNewer([], '__ts')).toEqual([]);
      }));

    it('breaks a tie on order by the tie list, whichever write arrives last', () =>
      withStore(async (kv) => {
        const a = { key: 't:1', fields: { v: 'a' }, order: 5, tie: [1000, 7] };
        const b = { key: 't:1', fields: { v: 'b' }, order: 5, tie: [1000, 9] };
        const c = { key: 't:2', fields: { v: 'c' }, order: 5, tie: [999] };
        expect(await kv.hsetManyIfNewer([b, a], '__ts')).toEqual([true, false]);
        expect(await kv.hsetManyIfNewer([a, b, c], '__ts')).toEqual([false, true, true]);
        expect(await kv.hget('t:1', ['v'])).toEqual(['b']);
        // A longer list beats its own prefix; a write with no tie loses to a stored one at the same order.
        expect(await kv.hsetManyIfNewer([{ key: 't:2', fields: { v: 'd' }, order: 5, tie: [999, 0] }], '__ts')).toEqual([true]);
        expect(await kv.hsetManyIfNewer([{ key: 't:2', fields: { v: 'e' }, order: 5 }], '__ts')).toEqual([false]);
        expect(await kv.hsetManyIfNewer([{ key: 't:2', fields: { v: 'f' }, order: 6 }], '__ts')).toEqual([true]);
        expect(await kv.hget('t:2', ['v'])).toEqual(['f']);
        // The tie stored with order 5 is gone with it: any tie wins over none at order 6.
        expect(await kv.hsetManyIfNewer([{ key: 't:2', fields: { v: 'g' }, order: 6, tie: [0] }], '__ts')).toEqual([true]);
        await expect(kv.hsetManyIfNewer([{ key: 't:3', fields: { v: '1' }, order: 1, tie: [-1] }], '__ts')).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
      }));

    it('refuses bad input and writes nothing of a bad batch', () =>
      withStore(async (kv) => {
        await expect(kv.hset('', { a: '1' })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
        await expect(kv.hset('k', { a: 1 as unknown as string })).rejects.toMatchObject({
          code: ErrorCode.INVALID_ARGUMENT,
          message: expect.stringContaining('fields.a'),
        });
        await expect(kv.hset('k', {})).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
        await expect(kv.hset('k', { a: '1' }, { ttlMs: -5 })).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
        await expect(
          kv.hsetMany([
            { key: 'batch:1', fields: { a: '1' } },
            { key: 'batch:2', fields: { a: null as unknown as string } },
          ]),
        ).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT, message: expect.stringContaining('writes[1]') });
        expect(await kv.hgetall('batch:1')).toBeUndefined();
        expect(await kv.hgetall('k')).toBeUndefined();
      }));
  });
}
