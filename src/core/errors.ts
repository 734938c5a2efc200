/**
 * Stable error codes. Callers branch on `err.code`; the HTTP layer maps them to statuses and to
 * MLflow's error codes. Never rename a code: it is part of the public contract.
 */
export const ErrorCode = {
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  UNAVAILABLE: 'UNAVAILABLE',
  /** A kill switch halted the model (ml.controls.halt): nothing is predicted until it is resumed. */
  HALTED: 'HALTED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface MlopsErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure (field, value, limits) for programs; the message is for people. */
  details?: Record<string, unknown>;
}

/** Base class of every error the library throws on purpose. */
export class MlopsError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: MlopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details;
  }
}

export class InvalidArgumentError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.INVALID_ARGUMENT, message, options);
  }
}

export class NotFoundError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.NOT_FOUND, message, options);
  }
}

export class AlreadyExistsError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.ALREADY_EXISTS, message, options);
  }
}

export class FailedPreconditionError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.FAILED_PRECONDITION, message, options);
  }
}

export class PermissionDeniedError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.PERMISSION_DENIED, message, options);
  }
}

export class UnavailableError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.UNAVAILABLE, message, options);
  }
}

/** The model (or a route of it, or everything) is halted by the kill switch. */
export class HaltedError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.HALTED, message, options);
  }
}

export class InternalError extends MlopsError {
  constructor(message: string, options?: MlopsErrorOptions) {
    super(ErrorCode.INTERNAL, message, options);
  }
}

export function isMlopsError(value: unknown): value is MlopsError {
  return value instanceof MlopsError;
}

/** Wraps an unexpected failure so that callers always see an MlopsError, keeping the original as `cause`. */
export function toMlopsError(value: unknown, context: string): MlopsError {
  if (value instanceof MlopsError) return value;
  const reason = value instanceof Error ? value.message : String(value);
  return new InternalError(`${context}: ${reason}`, { cause: value });
}

/** Renders a value for an error message: quoted, truncated, never a wall of text. */
export function describeValue(value: unknown, max = 80): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (value instanceof Uint8Array) text = `<${value.byteLength} bytes>`;
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}
