import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import { maskUrlSecrets, writtenPort } from './url-secrets.js';

/** Where the metadata store lives, as parsed from a URL. */
export type MetadataTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
export type ArtifactTarget =
  | { kind: 'file'; root: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string; forcePathStyle?: boolean };
export type OnlineTarget = { kind: 'memory' } | { kind: 'redis'; url: string; db: number };

function bad(field: string, url: string, expected: string, problem?: string): never {
  // Masked as text: a URL that does not parse (a bad port) still carries its password.
  const shown = JSON.stringify(maskUrlSecrets(url));
  throw new InvalidArgumentError(`Invalid ${field}: ${shown}${problem === undefined ? '' : `: ${problem}`} (expected ${expected})`, {
    details: { field },
  });
}

/** Parses a server URL; a port that is not 1-65535 is named, since WHATWG only says "Invalid URL". */
function parseServerUrl(field: string, url: string, expected: string): URL {
  const port = writtenPort(url);
  if (port !== undefined && port !== '' && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    bad(field, url, expected, `port ${JSON.stringify(port)} is not a number from 1 to 65535`);
  }
  try {
    return new URL(url);
  } catch {
    return bad(field, url, expected, 'not a URL');
  }
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
    parseServerUrl('metadata', url, expected);
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
    const parsed = parseServerUrl('online', url, expected);
    // ioredis sends SELECT with whatever the path holds: "/notadb" becomes SELECT NaN, whose reply
    // error used to crash the host; a number the server does not have is checked by the startup probe.
    const db = parsed.pathname.replace(/^\/+|\/+$/g, '');
    if (db !== '' && !/^\d{1,9}$/.test(db)) bad('online', url, expected, `database ${JSON.stringify(db)} is not a number (a default Redis has 0 to 15)`);
    return { kind: 'redis', url, db: db === '' ? 0 : Number(db) };
  }
  return bad('online', String(url), expected);
}
