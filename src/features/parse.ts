import { InvalidArgumentError } from '../core/errors.js';
import { describeValue } from '../core/errors.js';
import type { FeatureType, JoinKey } from './types.js';

export const VIEW_NAME = /^[a-z][a-z0-9_]{0,47}$/;
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
export const RESERVED_COLUMNS = new Set(['event_ts', 'created_ts', 'row_id', 'row_digest']);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'10m'`, `'1h'`, `'500ms'`, `'2d'`, a number of ms, or 0/undefined for no expiry. */
export function parseTtl(ttl: unknown, field: string): number {
  if (ttl === undefined || ttl === 0) return 0;
  if (typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl > 0) return ttl;
  if (typeof ttl === 'string') {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(ttl.trim());
    if (m) return Number(m[1]) * (UNITS[m[2] as string] as number);
  }
  throw new InvalidArgumentError(`Invalid ${field}: ${describeValue(ttl)} must be like '500ms', '30s', '10m', '1h', '2d' or a number of ms`);
}

/** Event times: ms since the epoch, a Date or an ISO-8601 string. */
export function parseTimestamp(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new InvalidArgumentError(`Invalid ${field}: ${describeValue(value)} must be ms since the epoch, a Date or an ISO-8601 string`, { details: { field, value } });
}

export function checkJoinKeyValue(value: unknown, key: JoinKey, field: string): string | number {
  if (key.type === 'string' && typeof value === 'string' && value.length > 0 && value.length <= 1024) return value;
  if (key.type === 'int64' && typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new InvalidArgumentError(`Invalid ${field}: ${describeValue(value)} must be ${key.type === 'string' ? 'a non-empty string' : 'a whole number'} (join key ${key.name})`, {
    details: { field, value },
  });
}

/** Checks one feature value against its declared type; null and undefined mean "no value". */
export function checkFeatureValue(value: unknown, type: FeatureType, field: string): unknown {
  if (value === null || value === undefined) return null;
  const bad = (): never => {
    throw new InvalidArgumentError(`Invalid ${field}: expected ${type}, got ${describeValue(value)}`, { details: { field, value } });
  };
  switch (type) {
    case 'int64':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : bad();
    case 'float64':
    case 'float32':
      return typeof value === 'number' && Number.isFinite(value) ? value : bad();
    case 'string':
      return typeof value === 'string' ? value : bad();
    case 'bool':
      return typeof value === 'boolean' ? value : bad();
    case 'timestamp':
      try {
        return parseTimestamp(value, field);
      } catch {
        return bad();
      }
    case 'float32_vector':
      return Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isFinite(x)) ? value : bad();
  }
}

/** Splits `view:feature`. */
export function parseRef(ref: unknown, field: string): { view: string; feature: string } {
  if (typeof ref !== 'string') throw new InvalidArgumentError(`Invalid ${field}: ${describeValue(ref)} must be a feature ref 'view:feature'`);
  const i = ref.indexOf(':');
  const view = ref.slice(0, i);
  const feature = ref.slice(i + 1);
  if (i <= 0 || !VIEW_NAME.test(view) || !FIELD_NAME.test(feature)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${describeValue(ref)} must be a feature ref 'view:feature'`);
  }
  return { view, feature };
}
