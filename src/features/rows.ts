import { InvalidArgumentError } from '../core/errors.js';
import { hostSlicer } from '../core/time-slice.js';
import { checkFeatureValue, checkJoinKeyValue, parseTimestamp } from './parse.js';
import type { FeatureView, JoinKey } from './types.js';

export interface ValidRow {
  keyValues: Array<string | number>;
  eventTs: number;
  features: Record<string, unknown>;
}

/** Rows validated between checks of the host's time slice (about 0.3 ms of work). */
const SLICE_ROWS = 200;

/**
 * `validateRows` for a batch of any size, giving the host a turn between slices of rows: pushing
 * 1000 rows used to validate for several ms without one.
 */
export async function validateRowsSliced(view: FeatureView, keys: JoinKey[], rows: unknown, field = 'rows'): Promise<ValidRow[]> {
  if (!Array.isArray(rows) || rows.length <= SLICE_ROWS) return validateRows(view, keys, rows, field);
  const out: ValidRow[] = [];
  for (let start = 0; start < rows.length; start += SLICE_ROWS) {
    await hostSlicer.yield();
    for (const r of validateRows(view, keys, rows.slice(start, start + SLICE_ROWS), field, start)) out.push(r);
  }
  return out;
}

/** Validates a whole batch before any write: one bad row rejects it, naming row index, field and value. */
export function validateRows(view: FeatureView, keys: JoinKey[], rows: unknown, field = 'rows', offset = 0): ValidRow[] {
  if (!Array.isArray(rows)) throw new InvalidArgumentError(`Invalid ${field}: expected an array of rows`);
  return rows.map((row, i) => {
    const f = `${field}[${i + offset}]`;
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new InvalidArgumentError(`Invalid ${f}: expected an object`);
    const r = row as Record<string, unknown>;
    const keyValues = keys.map((k) => checkJoinKeyValue(r[k.name], k, `${f}.${k.name}`));
    const eventTs = checkEventTsUnit(parseTimestamp(r.event_ts, `${f}.event_ts`), `${f}.event_ts`);
    const features: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(r)) {
      if (name === 'event_ts' || keys.some((k) => k.name === name)) continue;
      const type = view.schema[name];
      if (type === undefined) throw new InvalidArgumentError(`Invalid ${f}.${name}: view ${view.name} has no feature ${name}`, { details: { field: `${f}.${name}` } });
      features[name] = checkFeatureValue(value, type, `${f}.${name}`);
    }
    return { keyValues, eventTs, features };
  });
}

/** 2000-01-01T00:00:00Z in seconds and in milliseconds. */
const Y2000_S = 946_684_800;
const Y2000_MS = Y2000_S * 1000;

/**
 * event_ts is milliseconds. One in seconds (1.8e9 for 2027) would be read as January 1970, so every
 * online read says OUTSIDE_MAX_AGE and nobody knows why; one in microseconds lands 50,000 years out.
 * Both ranges are refused; small numbers (tests, synthetic clocks) stay allowed.
 */
export function checkEventTsUnit(ms: number, field: string): number {
  if (ms >= Y2000_S && ms < Y2000_MS) {
    throw new InvalidArgumentError(`Invalid ${field}: ${ms} is ${new Date(ms).toISOString()} as milliseconds since the epoch. Seconds? event_ts is in milliseconds (${ms} s is ${ms * 1000} ms)`, {
      details: { field, value: ms },
    });
  }
  if (ms >= Y2000_MS * 1000) {
    throw new InvalidArgumentError(`Invalid ${field}: ${ms} is after the year 30000 as milliseconds since the epoch. Microseconds or nanoseconds? event_ts is in milliseconds`, {
      details: { field, value: ms },
    });
  }
  return ms;
}

/** SQL value of a feature: booleans as 0/1, vectors as JSON text. */
export function sqlValue(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return JSON.stringify(value);
  return value as string | number;
}

/** Back from SQL to the feature's type. */
export function fromSql(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'bool') return Number(value) === 1;
  if (type === 'float32_vector') return JSON.parse(String(value)) as number[];
  if (type === 'int64' || type === 'timestamp' || type === 'float64' || type === 'float32') return Number(value);
  return value;
}
