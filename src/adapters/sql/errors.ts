import {
  AlreadyExistsError,
  FailedPreconditionError,
  InternalError,
  MlopsError,
  UnavailableError,
} from '../../core/errors.js';

function excerpt(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** Native error codes (SQLite's and PostgreSQL's SQLSTATE) mapped to the library's codes. */
export function mapSqlError(err: unknown, sql: string): MlopsError {
  if (err instanceof MlopsError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  const constraint = (err as { constraint?: string }).constraint;
  const details = { sqlCode: code, ...(constraint ? { constraint } : {}) };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new AlreadyExistsError(`Duplicate key: ${message}`, { cause: err, details });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new FailedPreconditionError(`Referenced row is missing or still in use: ${message}`, { cause: err, details });
  }
  if (code.startsWith('SQLITE_CONSTRAINT') || code.startsWith('23')) {
    return new FailedPreconditionError(`Constraint failed: ${message}`, { cause: err, details });
  }
  if (isBusy(code) || isRetryablePg(code) || isConnectionError(code)) {
    return new UnavailableError(`Database unavailable: ${message}`, { cause: err, details });
  }
  return new InternalError(`SQL failed (${code || 'no code'}): ${message} in: ${excerpt(sql)}`, {
    cause: err,
    details,
  });
}

export function isBusy(code: string): boolean {
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/** serialization_failure and deadlock_detected: the transaction may succeed when run again. */
export function isRetryablePg(code: string): boolean {
  return code === '40001' || code === '40P01';
}

function isConnectionError(code: string): boolean {
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === '57P01' ||
    code === '57P03' ||
    code.startsWith('08')
  );
}

export function errorCode(err: unknown): string {
  const cause = err instanceof MlopsError ? err.cause : err;
  return String((cause as { code?: unknown } | undefined)?.code ?? '');
}

/** Waits a little longer after each failed attempt, with jitter so that two processes drift apart. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
