import { InvalidArgumentError } from '../../core/errors.js';
import type { KvHashWrite } from './types.js';

const MAX_KEY_BYTES = 4096;

export function checkKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `Invalid ${field}: ${JSON.stringify(key)} must be a non-empty string of at most ${MAX_KEY_BYTES} bytes`,
    );
  }
  return key;
}

export function checkTtl(ttlMs: unknown, field = 'ttlMs'): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new InvalidArgumentError(`Invalid ${field}: ${String(ttlMs)} must be a positive whole number of ms`);
  }
  return ttlMs;
}

export function checkFields(fields: unknown, field: string): Record<string, string> {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new InvalidArgumentError(`Invalid ${field}: must be an object of string values`);
  }
  const entries = Object.entries(fields as Record<string, unknown>);
  if (entries.length === 0) throw new InvalidArgumentError(`Invalid ${field}: at least one field is needed`);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(`Invalid ${field}.${name}: ${JSON.stringify(value)} is not a string`);
    }
  }
  return fields as Record<string, string>;
}

/** Validates a whole batch before any of it is written. */
export function checkWrites(writes: readonly KvHashWrite[]): void {
  if (!Array.isArray(writes)) throw new InvalidArgumentError('Invalid writes: must be an array');
  writes.forEach((w, i) => {
    checkKey(w?.key, `writes[${i}].key`);
    checkFields(w.fields, `writes[${i}].fields`);
    checkTtl(w.ttlMs, `writes[${i}].ttlMs`);
  });
}

export function checkScanCount(count: unknown): number {
  if (count === undefined) return 1000;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > 100_000) {
    throw new InvalidArgumentError(`Invalid count: ${String(count)} must be an integer from 1 to 100000`);
  }
  return count;
}

export function checkOrderedWrites(writes: readonly { order: number; tie?: readonly number[] }[], orderField: unknown): void {
  if (typeof orderField !== 'string' || orderField.length === 0) throw new InvalidArgumentError('Invalid orderField: must be a non-empty string');
  writes.forEach((w, i) => {
    if (typeof w?.order !== 'number' || !Number.isFinite(w.order)) {
      throw new InvalidArgumentError(`Invalid writes[${i}].order: ${JSON.stringify(w?.order)} must be a finite number`);
    }
    if (w.tie !== undefined && (!Array.isArray(w.tie) || w.tie.length > 8 || !w.tie.every((n) => Number.isSafeInteger(n) && n >= 0))) {
      throw new InvalidArgumentError(`Invalid writes[${i}].tie: ${JSON.stringify(w.tie)} must be up to 8 non-negative safe integers`);
    }
  });
}

/** The field that holds a write's tie-break beside its order field. */
export function tieField(orderField: string): string {
  return `${orderField}:tie`;
}

/** Compares two tie-break lists left to right; a missing element is smaller than any. */
export function compareTies(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? -1;
    const y = b[i] ?? -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A stored tie-break (`1700000000000:12345`) as numbers; empty when none is stored. */
export function parseTie(stored: string | null | undefined): number[] {
  return stored ? stored.split(':').map(Number) : [];
}
