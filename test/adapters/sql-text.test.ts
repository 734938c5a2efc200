import { describe, expect, it } from 'vitest';
import { assertIdentifier, buildInsertChunks, toNumberedPlaceholders } from '../../src/adapters/sql/sql-text.js';

describe('placeholder rewriting for PostgreSQL', () => {
  it.each([
    ['SELECT ? , ?', 'SELECT $1 , $2'],
    ["SELECT '?' , ?", "SELECT '?' , $1"],
    ["SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1"],
    ['SELECT "we?ird" FROM t WHERE a = ?', 'SELECT "we?ird" FROM t WHERE a = $1'],
    ['SELECT ? -- why?\n, ?', 'SELECT $1 -- why?\n, $2'],
    ['SELECT /* ? */ ?', 'SELECT /* ? */ $1'],
    ['SELECT $$ ? $$, ?', 'SELECT $$ ? $$, $1'],
    ['SELECT $tag$ ? $tag$, ?', 'SELECT $tag$ ? $tag$, $1'],
  ])('%s', (input, expected) => {
    expect(toNumberedPlaceholders(input)).toBe(expected);
  });
});

describe('identifiers and insert chunks', () => {
  it('accepts plain identifiers only', () => {
    expect(assertIdentifier('runs_v2', 'table')).toBe('runs_v2');
    for (const bad of ['', '1abc', 'a b', 'a;b', 'a"b', 'x'.repeat(64), 'a-b']) {
      expect(() => assertIdentifier(bad, 'table')).toThrow(/Invalid table/);
    }
  });

  it('splits rows under the parameter limit', () => {
    const rows = Array.from({ length: 10 }, (_, i) => [i, `v${i}`]);
    const chunks = buildInsertChunks('t', ['a', 'b'], rows, 6, 'ON CONFLICT DO NOTHING');
    expect(chunks).toHaveLength(4);
    expect(chunks[0]?.sql).toBe('INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING');
    expect(chunks.flatMap((c) => c.params)).toEqual(rows.flat());
  });
});
