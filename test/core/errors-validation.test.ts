import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AlreadyExistsError,
  ErrorCode,
  InvalidArgumentError,
  MlopsError,
  NotFoundError,
  describeValue,
  isMlopsError,
  toMlopsError,
} from '../../src/core/errors.js';
import { parseInput } from '../../src/core/validation.js';
import { isRunId, newRunId } from '../../src/core/ids.js';
import { ManualClock } from '../../src/core/clock.js';

describe('errors', () => {
  it('carry a stable code, a name and the cause', () => {
    const cause = new Error('disk');
    const err = new NotFoundError('Run "x" not found', { cause, details: { field: 'runId' } });
    expect(err).toBeInstanceOf(MlopsError);
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
    expect(err.name).toBe('NotFoundError');
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ field: 'runId' });
    expect(isMlopsError(err)).toBe(true);
    expect(new AlreadyExistsError('x').code).toBe('ALREADY_EXISTS');
  });

  it('wrap foreign errors as INTERNAL and keep library errors as they are', () => {
    const own = new InvalidArgumentError('bad');
    expect(toMlopsError(own, 'ctx')).toBe(own);
    const wrapped = toMlopsError(new TypeError('boom'), 'Reading x');
    expect(wrapped.code).toBe('INTERNAL');
    expect(wrapped.message).toBe('Reading x: boom');
  });

  it('describe values briefly', () => {
    expect(describeValue('a')).toBe('"a"');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(new Uint8Array(3))).toBe('<3 bytes>');
    expect(describeValue('x'.repeat(200))).toMatch(/…\(202 chars\)$/);
  });
});

describe('parseInput', () => {
  const schema = z.object({ rows: z.array(z.object({ symbol: z.string(), qty: z.number().int() })) });

  it('returns parsed data', () => {
    expect(parseInput(schema, { rows: [{ symbol: 'A', qty: 1 }] }, 'push')).toEqual({ rows: [{ symbol: 'A', qty: 1 }] });
  });

  it('names the field path and the offending value', () => {
    try {
      parseInput(schema, { rows: [{ symbol: 'A', qty: 1 }, { symbol: 'B', qty: 1.5 }] }, 'push');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as MlopsError).code).toBe('INVALID_ARGUMENT');
      expect((err as Error).message).toMatch(/^Invalid push\.rows\[1\]\.qty: .*\(got 1\.5\)$/);
      expect((err as MlopsError).details?.field).toBe('push.rows[1].qty');
    }
  });
});

describe('ids and clocks', () => {
  it('makes MLflow-style run ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newRunId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isRunId(id)).toBe(true);
    expect(isRunId('XYZ')).toBe(false);
  });

  it('moves a manual clock only when told', () => {
    const clock = new ManualClock(1000);
    clock.advance(500);
    expect(clock.now()).toBe(1500);
    clock.set(7);
    expect(clock.now()).toBe(7);
  });
});
