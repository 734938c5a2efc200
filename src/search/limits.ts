import { InvalidArgumentError } from '../core/errors.js';

/** MLflow's limits (mlflow/utils/validation.py), so that what MLflow accepts we accept and vice versa. */
export const LIMITS = {
  experimentName: 500,
  key: 250,
  paramValue: 6000,
  tagValue: 8000,
  experimentTagValue: 5000,
  runName: 250,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  searchMaxResults: 50_000,
  searchDefaultResults: 1000,
  historyMaxResults: 25_000,
  filterLength: 20_000,
} as const;

const KEY = /^[/\w.\- :]*$/;

/** Python's posixpath.normpath, which MLflow uses to decide whether a key is a unique path. */
export function normpath(path: string): string {
  if (path === '') return '.';
  const initialSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (initialSlashes === 0 && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(initialSlashes) + parts.join('/');
  return joined === '' ? '.' : joined;
}

// Training loops log the same few keys millions of times: remember the ones already checked.
const validKeys = new Set<string>();

/**
 * Checks a param, metric or tag key as MLflow does: the allowed characters, the length, and that it
 * names one file path only (`a/../b` or `a//b` would alias another key).
 */
export function checkKey(key: unknown, field: string): string {
  if (typeof key === 'string' && validKeys.has(key)) return key;
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(key)} must be a non-empty string`);
  }
  if (key.length > LIMITS.key) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(key.slice(0, 40))}… is ${key.length} characters, the limit is ${LIMITS.key}`);
  }
  if (!KEY.test(key)) {
    throw new InvalidArgumentError(
      `Invalid ${field}: ${JSON.stringify(key)} may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/)`,
    );
  }
  const norm = normpath(key);
  if (norm !== key || norm === '.' || norm.startsWith('..') || norm.startsWith('/')) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(key)} would resolve to the path ${JSON.stringify(norm)}`);
  }
  if (validKeys.size >= 10_000) validKeys.clear();
  validKeys.add(key);
  return key;
}

export function checkString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} must be a string`);
  }
  if (value.length > max) {
    throw new InvalidArgumentError(`Invalid ${field}: ${value.length} characters, the limit is ${max}`);
  }
  // PostgreSQL text cannot hold NUL; refusing it everywhere keeps every backend alike.
  if (value.includes('\u0000')) throw new InvalidArgumentError(`Invalid ${field}: contains a NUL character`);
  return value;
}

/** Params and tags are stored as text; numbers and booleans are written as MLflow's client writes them. */
export function stringifyValue(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value) ?? String(value)} must be a string, number or boolean`);
}

export function checkInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${String(value)} must be a whole number`);
  }
  return value;
}

export function checkMetricValue(value: unknown, field: string): number {
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} must be a number (NaN and ±Infinity are allowed)`);
  }
  return value;
}

export function checkMaxResults(value: unknown, field: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`Invalid ${field}: ${String(value)} must be an integer from 1 to ${max}`);
  }
  return value;
}

/** Tags given as an object: keys checked as MLflow keys, values stringified and length-limited. */
export function checkTagRecord(tags: unknown, field: string, maxValue: number = LIMITS.tagValue): Array<[string, string]> {
  if (tags === undefined) return [];
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw new InvalidArgumentError(`Invalid ${field}: must be an object of tag values`);
  }
  return Object.entries(tags as Record<string, unknown>).map(([k, v]) => {
    checkKey(k, `${field} key`);
    const value = stringifyValue(v, `${field}.${k}`);
    checkString(value, `${field}.${k}`, maxValue);
    return [k, value];
  });
}
