import { describe, expect, it } from 'vitest';
import { assigningBuilder, rowBuilder } from '../../src/features/row-builder.js';

describe('row builders for getOnline results', () => {
  it('compiled and assigning builders give equal rows, with keys in order', () => {
    const keys = ['px:f0', 'px:vwap_5m', 'book:depth'];
    const values = [1.5, null, 'x'];
    const compiled = rowBuilder(keys)(values);
    expect(compiled).toEqual({ 'px:f0': 1.5, 'px:vwap_5m': null, 'book:depth': 'x' });
    expect(Object.keys(compiled)).toEqual(keys);
    expect(assigningBuilder(keys)(values)).toEqual(compiled);
    // Each call makes a new object: one caller's row never aliases another's.
    const build = rowBuilder(keys);
    expect(build(values)).not.toBe(build(values));
  });

  it('keeps hostile keys as plain keys: quotes, backslashes, line separators, __proto__', () => {
    const keys = ['a"b', 'c\\\\d', 'e\u2028f', '}); throw 1; ({', 'constructor'];
    const row = rowBuilder(keys)([1, 2, 3, 4, 5]);
    expect(Object.keys(row)).toEqual(keys);
    expect(Object.values(row)).toEqual([1, 2, 3, 4, 5]);
    const proto = rowBuilder(['x', '__proto__'])([1, { polluted: true }]);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['x', '__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
