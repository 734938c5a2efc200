import { describe, expect, it } from 'vitest';
import type { Migration, SqlDriver } from '../adapters/sql/types.js';
import { ErrorCode } from '../core/errors.js';

export interface SqlSuiteOptions {
  /** Whether NaN and ±Infinity survive a DOUBLE round trip (PostgreSQL: yes; SQLite: no). */
  storesNonFiniteDoubles?: boolean;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/**
 * The conformance suite for `SqlDriver`. `factory` must return a driver on an empty database or
 * schema each time it is called; the suite closes it.
 */
export function sqlDriverSuite(name: string, factory: () => Promise<SqlDriver>, options: SqlSuiteOptions = {}): void {
  describe(`SqlDriver conformance: ${name}`, () => {
    async function withDriver(fn: (db: SqlDriver) => Promise<void>): Promise<void> {
      const db = await factory();
      try {
        await fn(db);
      } finally {
        await db.close();
      }
    }

    async function makeTable(db: SqlDriver): Promise<void> {
      const d = db.dialect;
      await db.execScript(
        `CREATE TABLE items (id ${d.autoId}, name ${d.text} NOT NULL UNIQUE, qty ${d.bigint}, price ${d.double}, data ${d.blob}, flag INTEGER)`,
      );
    }

    it('binds every value type and reads it back', () =>
      withDriver(async (db) => {
        await makeTable(db);
        const bytes = new Uint8Array([0, 1, 2, 254, 255]);
        await db.exec('INSERT INTO items (name, qty, price, data, flag) VALUES (?, ?, ?, ?, ?)', [
          "O'Brien; DROP TABLE items; --",
          1_750_000_000_123,
          -0.125,
          bytes,
          true,
        ]);
        await db.exec('INSERT INTO items (name, qty, price, data, flag) VALUES (?, ?, ?, ?, ?)', ['nulls', null, null, null, false]);
        const rows = await db.query<{ name: string; qty: number | null; price: number | null; data: Uint8Array | null; flag: number }>(
          'SELECT name, qty, price, data, flag FROM items ORDER BY id',
        );
        expect(rows).toHaveLength(2);
        expect(rows[0]?.name).toBe("O'Brien; DROP TABLE items; --");
        expect(rows[0]?.qty).toBe(1_750_000_000_123);
        expect(rows[0]?.price).toBe(-0.125);
        expect(Array.from(rows[0]?.data ?? [])).toEqual([0, 1, 2, 254, 255]);
        expect(Number(rows[0]?.flag)).toBe(1);
        expect(rows[1]).toMatchObject({ qty: null, price: null, data: null });
        expect(Number(rows[1]?.flag)).toBe(0);
      }));

    it('reads rows as arrays in select-list order', () =>
      withDriver(async (db) => {
        await makeTable(db);
        await db.insertMany('items', ['name', 'qty'], [['a', 1], ['b', 2]]);
        expect(await db.queryArrays('SELECT qty, name FROM items WHERE qty >= ? ORDER BY qty', [1])).toEqual([[1, 'a'], [2, 'b']]);
        await db.transaction(async (tx) => {
          expect(await tx.queryArrays('SELECT name FROM items WHERE qty = ?', [2])).toEqual([['b']]);
        });
      }));

    it('leaves question marks inside literals alone', () =>
      withDriver(async (db) => {
        const rows = await db.query<{ q: string; v: string }>("SELECT '?' AS q, ? AS v", ['x']);
        expect(rows[0]).toEqual({ q: '?', v: 'x' });
      }));

    if (options.storesNonFiniteDoubles) {
      it('stores NaN and infinities in DOUBLE columns', () =>
        withDriver(async (db) => {
          await db.execScript(`CREATE TABLE d (v ${db.dialect.double})`);
          await db.execMany('INSERT INTO d (v) VALUES (?)', [[Number.NaN], [Infinity], [-Infinity]]);
          const rows = await db.query<{ v: number }>('SELECT v FROM d');
          expect(rows.map((r) => r.v).sort()).toEqual([Number.NaN, Infinity, -Infinity].sort());
        }));
    }

    it('reports a duplicate key as ALREADY_EXISTS', () =>
      withDriver(async (db) => {
        await makeTable(db);
        await db.exec('INSERT INTO items (name) VALUES (?)', ['a']);
        await expectCode(db.exec('INSERT INTO items (name) VALUES (?)', ['a']), ErrorCode.ALREADY_EXISTS);
      }));

    it('commits a transaction whole and rolls a failed one back whole', () =>
      withDriver(async (db) => {
        await makeTable(db);
        await db.transaction(async (tx) => {
          await tx.exec('INSERT INTO items (name) VALUES (?)', ['kept-1']);
          await tx.exec('INSERT INTO items (name) VALUES (?)', ['kept-2']);
        });
        await expect(
          db.transaction(async (tx) => {
            await tx.exec('INSERT INTO items (name) VALUES (?)', ['lost']);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        const rows = await db.query<{ name: string }>('SELECT name FROM items ORDER BY name');
        expect(rows.map((r) => r.name)).toEqual(['kept-1', 'kept-2']);
      }));

    it('keeps concurrent transactions apart: one rollback loses only its own rows', () =>
      withDriver(async (db) => {
        await makeTable(db);
        const jobs = Array.from({ length: 20 }, (_, i) =>
          db.transaction(async (tx) => {
            await tx.exec('INSERT INTO items (name) VALUES (?)', [`a${i}`]);
            await new Promise((r) => setTimeout(r, 1));
            if (i === 7) throw new Error('fail 7');
            await tx.exec('INSERT INTO items (name) VALUES (?)', [`b${i}`]);
          }),
        );
        const settled = await Promise.allSettled(jobs);
        expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
        const rows = await db.query<{ name: string }>('SELECT name FROM items');
        const names = new Set(rows.map((r) => r.name));
        expect(names.size).toBe(38);
        expect(names.has('a7')).toBe(false);
        expect(names.has('b19')).toBe(true);
      }));

    it('refuses a transaction executor after its transaction ended', () =>
      withDriver(async (db) => {
        await makeTable(db);
        let leaked: Parameters<Parameters<SqlDriver['transaction']>[0]>[0] | undefined;
        await db.transaction(async (tx) => {
          leaked = tx;
        });
        await expectCode(leaked!.exec('INSERT INTO items (name) VALUES (?)', ['late']), ErrorCode.UNAVAILABLE);
      }));

    it('inserts many rows, with an upsert clause, in few statements', () =>
      withDriver(async (db) => {
        await makeTable(db);
        const rows = Array.from({ length: 5000 }, (_, i) => [`n${i}`, i, i / 2] as const);
        const res = await db.insertMany('items', ['name', 'qty', 'price'], rows);
        expect(res.changes).toBe(5000);
        await db.insertMany('items', ['name', 'qty', 'price'], [['n1', 100, 0]], {
          onConflict: 'ON CONFLICT (name) DO UPDATE SET qty = excluded.qty',
        });
        const [row] = await db.query<{ c: number; s: number }>('SELECT COUNT(*) AS c, SUM(qty) AS s FROM items');
        expect(Number(row?.c)).toBe(5000);
        expect(Number(row?.s)).toBe((4999 * 5000) / 2 - 1 + 100);
      }));

    it('refuses bad identifiers and ragged rows before writing anything', () =>
      withDriver(async (db) => {
        await makeTable(db);
        await expectCode(db.insertMany('items; DROP TABLE items', ['name'], [['x']]), ErrorCode.INVALID_ARGUMENT);
        await expectCode(db.insertMany('items', ['name', 'qty) --'], [['x', 1]]), ErrorCode.INVALID_ARGUMENT);
        await expectCode(db.insertMany('items', ['name', 'qty'], [['ok', 1], ['short']]), ErrorCode.INVALID_ARGUMENT);
        const [row] = await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM items');
        expect(Number(row?.c)).toBe(0);
      }));

    it('runs one statement for many parameter lists atomically', () =>
      withDriver(async (db) => {
        await makeTable(db);
        const res = await db.execMany('INSERT INTO items (name, qty) VALUES (?, ?)', [['x', 1], ['y', 2]]);
        expect(res.changes).toBe(2);
        await expectCode(
          db.execMany('INSERT INTO items (name, qty) VALUES (?, ?)', [['z', 3], ['x', 4]]),
          ErrorCode.ALREADY_EXISTS,
        );
        const rows = await db.query<{ name: string }>('SELECT name FROM items ORDER BY name');
        expect(rows.map((r) => r.name)).toEqual(['x', 'y']);
      }));

    it('applies migrations once, in order, and refuses a changed one', async () => {
      const migrations: Migration[] = [
        { version: 2, name: 'add b', up: 'ALTER TABLE m_test ADD COLUMN b TEXT' },
        { version: 1, name: 'create', up: (d) => `CREATE TABLE m_test (id ${d.autoId}, a TEXT)` },
      ];
      await withDriver(async (db) => {
        expect(await db.migrate('suite', migrations)).toEqual({ applied: [1, 2], alreadyApplied: [] });
        expect(await db.migrate('suite', migrations)).toEqual({ applied: [], alreadyApplied: [1, 2] });
        await db.exec('INSERT INTO m_test (a, b) VALUES (?, ?)', ['1', '2']);
        await expectCode(
          db.migrate('suite', [migrations[1]!, { ...migrations[0]!, up: 'ALTER TABLE m_test ADD COLUMN c TEXT' }]),
          ErrorCode.FAILED_PRECONDITION,
        );
        // Another module keeps its own versions.
        expect(await db.migrate('other', [{ version: 1, name: 'x', up: 'CREATE TABLE m_other (x TEXT)' }])).toEqual({
          applied: [1],
          alreadyApplied: [],
        });
      });
    });

    it('rolls back a failing migration whole, recording nothing', () =>
      withDriver(async (db) => {
        const broken: Migration[] = [
          { version: 1, name: 'ok', up: 'CREATE TABLE m_ok (x TEXT)' },
          { version: 2, name: 'broken', up: 'CREATE TABLE m_half (x TEXT); THIS IS NOT SQL' },
        ];
        await db.migrate('first', [{ version: 1, name: 'first', up: 'CREATE TABLE m_first (x TEXT)' }]);
        await expect(db.migrate('broken', broken)).rejects.toBeDefined();
        const rows = await db.query<{ c: number }>("SELECT COUNT(*) AS c FROM mlops_migrations WHERE module = 'broken'");
        expect(Number(rows[0]?.c)).toBe(0);
        await expect(db.query('SELECT * FROM m_half')).rejects.toBeDefined();
        await expectCode(db.migrate('Bad Module', []), ErrorCode.INVALID_ARGUMENT);
        await expectCode(db.migrate('dup', [broken[0]!, broken[0]!]), ErrorCode.INVALID_ARGUMENT);
      }));

    it('refuses work after close', async () => {
      const db = await factory();
      await db.close();
      await db.close();
      await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    });
  });
}
