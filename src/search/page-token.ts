import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';

/** A digest of the query a token belongs to, so that a token is refused with any other query. */
export function queryDigest(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

/** Opaque page tokens: the offset into a totally ordered result, bound to the query that made it. */
export function encodePageToken(offset: number, digest: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: digest }), 'utf8').toString('base64url');
}

export function decodePageToken(token: string | undefined, digest: string, field = 'pageToken'): number {
  if (token === undefined || token === '') return 0;
  let parsed: { o?: unknown; q?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(token.slice(0, 40))} is not a page token`);
  }
  if (typeof parsed.o !== 'number' || !Number.isSafeInteger(parsed.o) || parsed.o < 0) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(token.slice(0, 40))} is not a page token`);
  }
  if (parsed.q !== digest) {
    throw new InvalidArgumentError(`Invalid ${field}: the token belongs to a different query`);
  }
  return parsed.o;
}
