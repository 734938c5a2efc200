import type { z } from 'zod';
import { InvalidArgumentError, describeValue } from './errors.js';

/** Formats a zod path as a field name a reader recognises: `rows[3].symbol`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * Parses `input` with `schema` at the public boundary. On failure throws INVALID_ARGUMENT naming the
 * first offending field (prefixed with `what`) and the value found there.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = formatPath(what, path);
  const value = valueAt(input, path);
  const reason = issue?.message ?? 'invalid';
  throw new InvalidArgumentError(`Invalid ${field}: ${reason} (got ${describeValue(value)})`, {
    cause: result.error,
    details: { field, value, issues: result.error.issues.length },
  });
}

/** Throws INVALID_ARGUMENT for `field` unless `ok`. For checks that a schema cannot express. */
export function check(ok: boolean, field: string, value: unknown, reason: string): asserts ok {
  if (!ok) {
    throw new InvalidArgumentError(`Invalid ${field}: ${reason} (got ${describeValue(value)})`, {
      details: { field, value },
    });
  }
}
