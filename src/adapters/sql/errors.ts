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
  if (isBusy(code) || isRetryablePg(code) || isConnectionError(err)) {
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

/**
 * Messages of connection-level failures that carry no SQLSTATE: pg's own ("Connection terminated
 * unexpectedly" when the server drops the socket, "timeout exceeded when trying to connect" from the
 * pool) and Node's socket errors when they arrive without a code.
 */
const CONNECTION_MESSAGES = /Connection terminated|terminating connection|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect|Connection refused|socket hang up|the database system is (shutting down|starting up|in recovery mode)|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT/i;

/** Socket error codes from Node and SQLSTATE classes that mean the server, not the statement, failed. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

/**
 * True when the connection or the server failed (not the statement): the caller should see
 * UNAVAILABLE. Errors without a SQLSTATE are judged by their message, which is all pg gives for a
 * dropped socket.
 */
export function isConnectionError(err: unknown): boolean {
  const source = err instanceof MlopsError ? err.cause : err;
  const code = String((source as { code?: unknown } | undefined)?.code ?? '');
  if (CONNECTION_CODES.has(code) || code.startsWith('08')) return true;
  // SQLite errors (SQLITE_*) and any SQLSTATE other than the above are about the statement.
  if (code !== '' && !code.startsWith('E')) return false;
  const message = source instanceof Error ? source.message : String(source);
  return CONNECTION_MESSAGES.test(message);
}

/**
 * True when the statement never reached the server because a connection could not be opened, and
 * that was learnt at once (refused, or the server starting up or shutting down): sending it again
 * cannot apply it twice, and a few retries cost little. A connect that timed out is not among these:
 * retrying it would multiply the caller's wait.
 */
export function isNotSent(err: unknown): boolean {
  const source = err instanceof MlopsError ? err.cause : err;
  const code = String((source as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'ECONNREFUSED' || code === '57P03' || code === 'EAI_AGAIN') return true;
  const message = source instanceof Error ? source.message : String(source);
  return /ECONNREFUSED|the database system is (starting up|shutting down)/i.test(message);
}

export function errorCode(err: unknown): string {
  const cause = err instanceof MlopsError ? err.cause : err;
  return String((cause as { code?: unknown } | undefined)?.code ?? '');
}

/** Waits a little longer after each failed attempt, with jitter so that two processes drift apart. */
export function backoff(attempt: number, base = 5): Promise<void> {
  const ms = Math.min(200, base * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
