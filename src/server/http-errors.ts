import { isMlopsError, type ErrorCode } from '../core/errors.js';

/** How each library error code travels over HTTP: the status and MLflow's `error_code`. */
const BY_CODE: Record<ErrorCode, { status: number; mlflow: string }> = {
  INVALID_ARGUMENT: { status: 400, mlflow: 'INVALID_PARAMETER_VALUE' },
  NOT_FOUND: { status: 404, mlflow: 'RESOURCE_DOES_NOT_EXIST' },
  ALREADY_EXISTS: { status: 400, mlflow: 'RESOURCE_ALREADY_EXISTS' },
  FAILED_PRECONDITION: { status: 400, mlflow: 'INVALID_STATE' },
  PERMISSION_DENIED: { status: 403, mlflow: 'PERMISSION_DENIED' },
  UNAVAILABLE: { status: 503, mlflow: 'TEMPORARILY_UNAVAILABLE' },
  HALTED: { status: 503, mlflow: 'TEMPORARILY_UNAVAILABLE' },
  INTERNAL: { status: 500, mlflow: 'INTERNAL_ERROR' },
};

/** An error answered by the HTTP layer itself (auth, rate limit, routing), before any module ran. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly mlflowCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpFailure {
  status: number;
  mlflowCode: string;
  message: string;
  headers: Record<string, string>;
  /** True when the message is ours to show; false for unexpected errors (logged, never shown). */
  expected: boolean;
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'REQUEST_LIMIT_EXCEEDED',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
};

/**
 * Maps anything a handler threw to a status and a message. Library errors and the framework's own
 * client errors (malformed JSON, body too large) keep their message; anything else becomes a bare
 * 500 so no stack trace or internal detail leaves the process.
 */
export function toHttpFailure(err: unknown): HttpFailure {
  if (err instanceof HttpError) return { status: err.status, mlflowCode: err.mlflowCode, message: err.message, headers: err.headers, expected: true };
  if (isMlopsError(err)) {
    const m = BY_CODE[err.code];
    return { status: m.status, mlflowCode: m.mlflow, message: err.message, headers: {}, expected: err.code !== 'INTERNAL' };
  }
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = typeof e.code === 'string' ? (FASTIFY_CODES[e.code] ?? 'BAD_REQUEST') : 'BAD_REQUEST';
    let message = e.name === 'SyntaxError' || code === 'MALFORMED_REQUEST' ? `Malformed JSON body: ${String(e.message)}` : String(e.message);
    // curl -d sends application/x-www-form-urlencoded unless told otherwise: say what to send.
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message += ' (send JSON with the header content-type: application/json)';
    return { status: e.statusCode, mlflowCode: code === 'BAD_REQUEST' && e.name === 'SyntaxError' ? 'MALFORMED_REQUEST' : code, message, headers: {}, expected: true };
  }
  return { status: 500, mlflowCode: 'INTERNAL_ERROR', message: 'Internal error; the server log has the details', headers: {}, expected: false };
}
