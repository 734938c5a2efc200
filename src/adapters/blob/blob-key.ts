import { InvalidArgumentError } from '../../core/errors.js';

export const MAX_BLOB_KEY_BYTES = 1024;

// Percent-encoded dot, slash, backslash and NUL: a later decode must not turn a key into a traversal.
const ENCODED_SEPARATOR = /%(2e|2f|5c|00)/i;
// Control characters (C0, DEL, C1): invisible in logs, and some confuse path handling.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DRIVE = /^[A-Za-z]:/;
// With the u flag a paired surrogate is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// Segments of only dots and blanks: `..` in disguise on some file systems (Windows strips them).
const BLANK_SEGMENT = /^[\s.]+$/;

function refuse(field: string, key: unknown, reason: string): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(key)} ${reason}`, {
    details: { field, value: key },
  });
}

/**
 * Checks that `key` is a plain relative path that stays inside a store's root under every reading:
 * no absolute paths, drive letters, backslashes, NUL or control characters, no `.`/`..` or empty
 * segments (also after Unicode compatibility folding), no percent-encoded separators.
 */
export function validateBlobKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string') refuse(field, key, 'is not a string');
  if (key.length === 0) refuse(field, key, 'is empty');
  if (Buffer.byteLength(key) > MAX_BLOB_KEY_BYTES) refuse(field, key, `is longer than ${MAX_BLOB_KEY_BYTES} bytes`);
  if (CONTROL.test(key)) refuse(field, key, 'contains a control character');
  if (key.includes('\\')) refuse(field, key, 'contains a backslash');
  if (key.startsWith('/')) refuse(field, key, 'is absolute');
  if (DRIVE.test(key)) refuse(field, key, 'starts with a drive letter');
  if (ENCODED_SEPARATOR.test(key)) refuse(field, key, 'contains a percent-encoded separator');
  if (LONE_SURROGATE.test(key)) refuse(field, key, 'is not well-formed Unicode');
  const folded = key.normalize('NFKC');
  if (folded.includes('\\') || folded.includes('\u0000')) refuse(field, key, 'folds to a backslash or NUL');
  for (const text of [key, folded]) {
    for (const segment of text.split('/')) {
      if (segment === '') refuse(field, key, 'has an empty path segment');
      if (segment === '.' || segment === '..') refuse(field, key, 'has a "." or ".." segment');
      if (BLANK_SEGMENT.test(segment)) refuse(field, key, 'has a segment of only dots or blanks');
    }
  }
  return key;
}

/**
 * Checks a list prefix: empty, or a key-like string that may end with `/`.
 */
export function validateBlobPrefix(prefix: unknown, field = 'prefix'): string {
  if (prefix === '' || prefix === undefined) return '';
  if (typeof prefix !== 'string') refuse(field, prefix, 'is not a string');
  validateBlobKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, field);
  return prefix;
}
