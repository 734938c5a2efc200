import { describe, expect, it } from 'vitest';
import { isConnectionError, isNotSent, mapSqlError } from '../../src/adapters/sql/errors.js';

function err(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('SQL errors: the connection failed, or the statement did', () => {
  it('maps connection-level failures without a SQLSTATE to UNAVAILABLE, keeping the cause', () => {
    for (const e of [
      err('Connection terminated unexpectedly'),
      err('Client has encountered a connection error and is not queryable'),
      err('timeout exceeded when trying to connect'),
      err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      err('read ECONNRESET', 'ECONNRESET'),
      err('terminating connection due to administrator command', '57P01'),
      err('the database system is starting up', '57P03'),
      err('connection failure', '08006'),
    ]) {
      const mapped = mapSqlError(e, 'SELECT 1');
      expect(mapped.code, e.message).toBe('UNAVAILABLE');
      expect(mapped.cause).toBe(e);
    }
  });

  it('leaves statement errors as they were, whatever their message says', () => {
    expect(mapSqlError(err('relation "x" does not exist', '42P01'), 'SELECT * FROM x').code).toBe('INTERNAL');
    expect(mapSqlError(err('no such table: Connection terminated', 'SQLITE_ERROR'), 'SELECT 1').code).toBe('INTERNAL');
    expect(isConnectionError(err('syntax error at or near "ECONNRESET"', '42601'))).toBe(false);
  });

  it('tells a statement that never reached the server (safe to send again) from one cut off mid-flight', () => {
    expect(isNotSent(err('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    // Not sent either, but learnt only after connectTimeoutMs: retrying would multiply the wait.
    expect(isNotSent(err('timeout exceeded when trying to connect'))).toBe(false);
    expect(isNotSent(err('Connection terminated unexpectedly'))).toBe(false);
    expect(isNotSent(err('read ECONNRESET', 'ECONNRESET'))).toBe(false);
  });
});
