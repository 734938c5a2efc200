import type { BlobStore } from '../adapters/blob/types.js';
import { pingRedis } from '../adapters/kv/redis-probe.js';
import { pingPostgres } from '../adapters/sql/postgres-probe.js';
import { InvalidArgumentError, MlopsError, PermissionDeniedError, UnavailableError } from '../core/errors.js';
import type { ArtifactTarget, OnlineTarget } from './store-urls.js';
import { maskUrlSecrets } from './url-secrets.js';

/**
 * One cheap authenticated call per configured server store, made by `createMlops` before it reports
 * success, so that a database, role, bucket or credential that is missing fails at startup with the
 * fix in the message instead of as INTERNAL on the first write. Each probe uses its own short-lived
 * connection, so a refused configuration never leaves a pool or client behind, and its messages show
 * URLs masked (drivers' own messages never carry the password). The driver calls live in the adapters
 * (pingPostgres, pingRedis); this file turns what they report into the fix.
 */

const PROBE_TIMEOUT_MS = 5000;

/** The driver's own error under any MlopsError wrapping: its code, name, message and HTTP status. */
function rootFacts(err: unknown): { code: string; name: string; message: string; status: number | undefined } {
  let e = err as { cause?: unknown } | undefined;
  for (let depth = 0; depth < 5 && e instanceof MlopsError && e.cause !== undefined; depth++) e = e.cause as typeof e;
  const o = (e ?? {}) as { code?: unknown; name?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  return {
    code: String(o.code ?? o.Code ?? ''),
    name: String(o.name ?? ''),
    message: String(o.message ?? e ?? ''),
    status: o.$metadata?.httpStatusCode,
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function unreachable(what: string, shown: string, err: unknown, detail: string): UnavailableError {
  return new UnavailableError(`Cannot reach ${what} at ${shown}: ${detail}. Check that it runs and that the host and port in the URL are right.`, {
    cause: err,
  });
}

/** PostgreSQL: connect and `SELECT 1` as the URL's role, on the URL's database. */
export async function probePostgres(url: string): Promise<void> {
  const parsed = new URL(url);
  const shown = JSON.stringify(maskUrlSecrets(url));
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
  const role = decodeURIComponent(parsed.username) || process.env.PGUSER || 'the current OS user';
  if (!parsed.searchParams.has('schema')) {
    // Without ?schema= every table lands in `public`, beside whatever else lives in that database.
    process.emitWarning(`metadata ${shown} names no ?schema=: the tables go to the "public" schema. Add ?schema=mlops to keep them apart.`, {
      code: 'MLOPS_PG_NO_SCHEMA',
    });
  }
  parsed.searchParams.delete('schema');
  const failure = await pingPostgres(parsed.toString(), PROBE_TIMEOUT_MS);
  if (failure !== undefined) {
    const err = failure.error;
    const { code, message } = rootFacts(err);
    if (code === '3D000') {
      throw new InvalidArgumentError(
        `Invalid metadata: database ${JSON.stringify(database)} does not exist on ${shown}. Create it (createdb ${database}, or CREATE DATABASE "${database}") or name an existing one in the URL.`,
        { cause: err, details: { field: 'metadata' } },
      );
    }
    if (code === '28000' || code === '28P01' || code === '42501') {
      throw new PermissionDeniedError(
        `PostgreSQL refused role ${JSON.stringify(role)} on ${shown}: ${message}. Create the role (CREATE ROLE "${role}" LOGIN PASSWORD '…'), grant it CONNECT and CREATE on the database, or fix the user and password in the URL.`,
        { cause: err, details: { field: 'metadata' } },
      );
    }
    if (NETWORK_CODES.has(code) || /timeout|terminated/i.test(message)) throw unreachable('PostgreSQL', shown, err, message);
    throw new UnavailableError(`PostgreSQL at ${shown} did not answer SELECT 1: ${message}`, { cause: err });
  }
}

/** Redis: connect, authenticate, and SELECT the URL's database (a number the server lacks is refused). */
export async function probeRedis(target: Extract<OnlineTarget, { kind: 'redis' }>): Promise<void> {
  const shown = JSON.stringify(maskUrlSecrets(target.url));
  const parsed = new URL(target.url);
  parsed.searchParams.delete('prefix');
  parsed.pathname = '/';
  const failure = await pingRedis(parsed.toString(), target.db, PROBE_TIMEOUT_MS);
  if (failure !== undefined) {
    const err = failure.error;
    // A refused AUTH arrives as the client's first error event; the command then only says NOAUTH.
    const first = failure.event ?? err;
    const { code, message } = rootFacts(first);
    if (/NOAUTH|WRONGPASS|invalid password|invalid username|NOPERM/i.test(`${message} ${rootFacts(err).message}`)) {
      throw new PermissionDeniedError(
        `Redis at ${shown} refused the credentials: ${message}. Put the right user and password in the URL (redis://user:password@host:6379/0).`,
        { cause: first, details: { field: 'online' } },
      );
    }
    if (/DB index is out of range|invalid DB index/i.test(message) || /DB index is out of range/i.test(rootFacts(err).message)) {
      throw new InvalidArgumentError(
        `Invalid online: ${shown}: database ${target.db} does not exist on this server (${message}). A default Redis has databases 0 to 15 ("databases" in redis.conf).`,
        { cause: err, details: { field: 'online' } },
      );
    }
    if (NETWORK_CODES.has(code) || /connect|closed|timeout/i.test(message)) throw unreachable('Redis', shown, first, message);
    throw new UnavailableError(`Redis at ${shown} did not answer PING: ${message}`, { cause: first });
  }
}

/** S3: list one key under the prefix, which needs what the store needs anyway (credentials, ListBucket). */
export async function probeS3(store: BlobStore, target: Extract<ArtifactTarget, { kind: 's3' }>): Promise<void> {
  const shown = JSON.stringify(`s3://${target.bucket}/${target.prefix}`);
  try {
    await store.list('', { limit: 1 });
  } catch (err) {
    const { code, name, message, status } = rootFacts(err);
    if (name === 'CredentialsProviderError' || /Could not load credentials|credentials? (?:is|are) missing/i.test(message)) {
      throw new InvalidArgumentError(
        `Invalid artifacts ${shown}: no S3 credentials were found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run with an instance role); for a local s3rver use S3RVER/S3RVER.`,
        { cause: err, details: { field: 'artifacts' } },
      );
    }
    if (name === 'NoSuchBucket' || code === 'NoSuchBucket') {
      throw new InvalidArgumentError(`Invalid artifacts ${shown}: bucket ${JSON.stringify(target.bucket)} does not exist. Create it (aws s3 mb s3://${target.bucket}) or name an existing one.`, {
        cause: err,
        details: { field: 'artifacts' },
      });
    }
    if (status === 403 || /AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|Forbidden/i.test(`${name} ${code}`)) {
      throw new PermissionDeniedError(
        `S3 refused the credentials for ${shown} (${name || code || status}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and that they may list, read and write the bucket.`,
        { cause: err, details: { field: 'artifacts' } },
      );
    }
    if (NETWORK_CODES.has(code)) throw unreachable('S3', shown, err, message);
    throw new UnavailableError(`S3 at ${shown} did not answer a listing: ${message}`, { cause: err });
  }
}
