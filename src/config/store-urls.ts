import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import { redactUrl } from '../adapters/kv/redis-store.js';

/** Where the metadata store lives, as parsed from a URL. */
export type MetadataTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type ArtifactTarget =
  | { kind: 'file'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string; forcePathStyle?: boolean };
export type OnlineTarget = { kind: 'memory' } | { kind: 'redis'; url: string };

function bad(field: string, url: string, expected: string): never {
  const redacted = redactUrl(url);
  throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(redacted === '<unparseable url>' ? url : redacted)} (expected ${expected})`, {
    details: { field },
  });
}

/** `sqlite:///abs/path.db`, `sqlite://relative/path.db`, `sqlite::memory:`, or `postgres://…`. */
export function parseMetadataUrl(url: string, cwd: string): MetadataTarget {
  const expected = 'sqlite:///path/to.db, sqlite::memory: or postgres://user@host:5432/db';
  if (typeof url !== 'string' || url.length === 0) bad('metadata', String(url), expected);
  if (url === 'sqlite::memory:' || url === 'sqlite://:memory:') return { kind: 'sqlite', path: ':memory:' };
  if (url.startsWith('sqlite://')) {
    const rest = decodeURIComponent(url.slice('sqlite://'.length));
    if (rest.length === 0 || rest.includes('\0')) bad('metadata', url, expected);
    return { kind: 'sqlite', path: isAbsolute(rest) ? rest : resolve(cwd, rest) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    try {
      new URL(url);
    } catch {
      bad('metadata', url, expected);
    }
    return { kind: 'postgres', url };
  }
  return bad('metadata', url, expected);
}

/** `file:///dir`, a plain folder path, or `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`. */
export function parseArtifactsUrl(url: string, cwd: string): ArtifactTarget {
  const expected = 'file:///dir, a folder path, or s3://bucket/prefix';
  if (typeof url !== 'string' || url.length === 0) bad('artifacts', String(url), expected);
  if (url.startsWith('file://')) {
    try {
      return { kind: 'file', root: fileURLToPath(url) };
    } catch {
      bad('artifacts', url, expected);
    }
  }
  if (url.startsWith('s3://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      bad('artifacts', url, expected);
    }
    const bucket = parsed.hostname;
    if (bucket.length === 0) bad('artifacts', url, expected);
    const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
    const region = parsed.searchParams.get('region') ?? undefined;
    const style = parsed.searchParams.get('forcePathStyle');
    return {
      kind: 's3',
      bucket,
      prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, ''),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(style !== null ? { forcePathStyle: style === 'true' || style === '1' } : {}),
    };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) bad('artifacts', url, expected);
  return { kind: 'file', root: resolve(cwd, url) };
}

/** `memory` or `redis://host:6379/0?prefix=ns:` (also `rediss://`). */
export function parseOnlineUrl(url: string): OnlineTarget {
  const expected = 'memory or redis://host:6379/0';
  if (url === 'memory' || url === 'memory://') return { kind: 'memory' };
  if (typeof url === 'string' && (url.startsWith('redis://') || url.startsWith('rediss://'))) {
    try {
      new URL(url);
    } catch {
      bad('online', url, expected);
    }
    return { kind: 'redis', url };
  }
  return bad('online', String(url), expected);
}
