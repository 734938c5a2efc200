import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  MlopsError,
  NotFoundError,
  UnavailableError,
  toMlopsError,
} from '../../core/errors.js';
import { importOptional, pickExport } from '../../core/optional-import.js';
import { validateBlobKey, validateBlobPrefix } from './blob-key.js';
import { chunksOf, readAll, sha256Hex } from './hashing.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import type { BlobBody, BlobInfo, BlobListOptions, BlobListPage, BlobStore } from './types.js';

/** The part of an S3 client this store uses; any @aws-sdk/client-s3 S3Client fits. */
export interface S3ClientLike {
  send(command: unknown): Promise<unknown>;
  destroy?(): void;
}

export interface S3BlobOptions {
  bucket: string;
  /** Key prefix inside the bucket, without a trailing slash. */
  prefix?: string;
  /** A client you own (not destroyed by close()); otherwise one is made from the fields below. */
  client?: S3ClientLike;
  /** For S3-compatible servers (MinIO, Ceph, s3rver): `http://127.0.0.1:9000`. */
  endpoint?: string;
  region?: string;
  /** Path-style addressing; on by default when an endpoint is given. */
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Objects at least this large are sent as a multipart upload. Default 8 MiB. */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (at least 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
}

type S3Module = Record<string, unknown>;
type CommandCtor = new (input: Record<string, unknown>) => unknown;

const MiB = 1024 * 1024;
const SHA_META = 'sha256';

/** Opens a blob store on S3 or any S3-compatible endpoint. The SDK is loaded on first use. */
export async function openS3BlobStore(options: S3BlobOptions): Promise<BlobStore> {
  if (typeof options.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
    throw new InvalidArgumentError(`Invalid bucket: ${JSON.stringify(options.bucket)} is not an S3 bucket name`);
  }
  const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '') validateBlobKey(prefix, 'prefix');
  const sdk = await importOptional(() => import('@aws-sdk/client-s3'), '@aws-sdk/client-s3', 'The S3 artifact store');
  let client = options.client;
  const owned = client === undefined;
  if (client === undefined) {
    const S3Client = pickExport<new (config: Record<string, unknown>) => S3ClientLike>(sdk, 'S3Client');
    client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }
  const partSize = Math.max(5 * MiB, options.partSizeBytes ?? 8 * MiB);
  return new S3BlobStore(sdk, client, owned, options.bucket, prefix, options.multipartThresholdBytes ?? 8 * MiB, partSize);
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function errorName(err: unknown): string {
  return String((err as { name?: unknown; Code?: unknown }).name ?? (err as { Code?: unknown }).Code ?? '');
}

class S3BlobStore implements BlobStore {
  readonly uri: string;

  constructor(
    private readonly sdk: S3Module,
    private readonly client: S3ClientLike,
    private readonly owned: boolean,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly multipartThreshold: number,
    private readonly partSize: number,
  ) {
    this.uri = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
  }

  async put(key: string, body: BlobBody, options: { contentType?: string } = {}): Promise<BlobInfo> {
    validateBlobKey(key);
    const objectKey = this.objectKey(key);
    const meta = (sha256: string) => ({
      Bucket: this.bucket,
      Key: objectKey,
      Metadata: { [SHA_META]: sha256 },
      ...(options.contentType ? { ContentType: options.contentType } : {}),
    });
    try {
      if (typeof body === 'string' || body instanceof Uint8Array) {
        const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
        const sha256 = sha256Hex(bytes);
        if (bytes.byteLength < this.multipartThreshold) {
          await this.send('PutObjectCommand', { ...meta(sha256), Body: bytes, ContentLength: bytes.byteLength });
        } else {
          await this.multipart({ ...meta(sha256), Body: Buffer.from(bytes) });
        }
        return { key, size: bytes.byteLength, sha256, lastModified: Date.now() };
      }
      // A stream's checksum must be known before the upload starts (it travels as metadata), so the
      // stream is spooled to a temp file first; memory stays flat whatever the object's size.
      const spool = join(tmpdir(), `mlops-s3-${randomUUID()}`);
      try {
        const { size, sha256 } = await spoolToFile(body, spool);
        if (size < this.multipartThreshold) {
          const bytes = await readAll(createReadStream(spool));
          await this.send('PutObjectCommand', { ...meta(sha256), Body: bytes, ContentLength: size });
        } else {
          await this.multipart({ ...meta(sha256), Body: createReadStream(spool) });
        }
        return { key, size, sha256, lastModified: Date.now() };
      } finally {
        await unlink(spool).catch(() => undefined);
      }
    } catch (err) {
      throw this.mapError(err, key);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    validateBlobKey(key);
    try {
      const out = (await this.send('GetObjectCommand', { Bucket: this.bucket, Key: this.objectKey(key) })) as {
        Body: { transformToByteArray(): Promise<Uint8Array> };
      };
      return await out.Body.transformToByteArray();
    } catch (err) {
      throw this.mapError(err, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    validateBlobKey(key);
    try {
      const out = (await this.send('GetObjectCommand', { Bucket: this.bucket, Key: this.objectKey(key) })) as {
        Body: Readable;
      };
      return out.Body;
    } catch (err) {
      throw this.mapError(err, key);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    validateBlobKey(key);
    let out: { ContentLength?: number; LastModified?: Date; Metadata?: Record<string, string> };
    try {
      out = (await this.send('HeadObjectCommand', { Bucket: this.bucket, Key: this.objectKey(key) })) as typeof out;
    } catch (err) {
      const mapped = this.mapError(err, key);
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
    let sha256 = out.Metadata?.[SHA_META];
    if (sha256 === undefined) {
      // Written by another tool: compute the checksum from the content.
      const hash = createHash('sha256');
      for await (const chunk of await this.getStream(key)) hash.update(chunk as Buffer);
      sha256 = hash.digest('hex');
    }
    return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified?.getTime() ?? 0, sha256 };
  }

  async list(prefix: string, options: BlobListOptions = {}): Promise<BlobListPage> {
    validateBlobPrefix(prefix);
    const limit = options.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
      throw new InvalidArgumentError(`Invalid limit: ${limit} must be an integer from 1 to 100000`);
    }
    const after = decodeCursor(options.cursor);
    const base = this.prefix ? `${this.prefix}/` : '';
    const entries: BlobListPage['entries'] = [];
    let startAfter = after === undefined ? undefined : base + after;
    let more = false;
    try {
      while (entries.length < limit) {
        const out = (await this.send('ListObjectsV2Command', {
          Bucket: this.bucket,
          Prefix: base + prefix,
          MaxKeys: Math.min(1000, limit - entries.length),
          ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
        })) as { Contents?: Array<{ Key?: string; Size?: number; LastModified?: Date }>; IsTruncated?: boolean };
        for (const item of out.Contents ?? []) {
          if (item.Key === undefined) continue;
          entries.push({ key: item.Key.slice(base.length), size: item.Size ?? 0, lastModified: item.LastModified?.getTime() ?? 0 });
        }
        more = out.IsTruncated === true;
        const last = out.Contents?.[out.Contents.length - 1]?.Key;
        if (!more || last === undefined) break;
        startAfter = last;
      }
    } catch (err) {
      throw this.mapError(err, prefix);
    }
    const last = entries[entries.length - 1];
    return more && last ? { entries, nextCursor: encodeCursor(last.key) } : { entries };
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.head(key)) !== undefined;
    if (!existed) return false;
    try {
      await this.send('DeleteObjectCommand', { Bucket: this.bucket, Key: this.objectKey(key) });
    } catch (err) {
      throw this.mapError(err, key);
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.owned) this.client.destroy?.();
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private send(command: string, input: Record<string, unknown>): Promise<unknown> {
    const Ctor = pickExport<CommandCtor>(this.sdk, command);
    return this.client.send(new Ctor(input));
  }

  private async multipart(params: Record<string, unknown>): Promise<void> {
    const lib = await importOptional(() => import('@aws-sdk/lib-storage'), '@aws-sdk/lib-storage', 'Multipart uploads to S3');
    const Upload = pickExport<new (options: Record<string, unknown>) => { done(): Promise<unknown> }>(lib, 'Upload');
    // lib-storage aborts the multipart upload itself when a part fails, so nothing is left half-written.
    await new Upload({ client: this.client, params, partSize: this.partSize, queueSize: 4, leavePartsOnError: false }).done();
  }

  private mapError(err: unknown, key: string): MlopsError {
    if (err instanceof MlopsError) return err;
    const name = errorName(err);
    const status = httpStatus(err);
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      if (name === 'NoSuchBucket') {
        return new FailedPreconditionError(`S3 bucket ${this.bucket} does not exist`, { cause: err });
      }
      return new NotFoundError(`Blob ${JSON.stringify(key)} not found`, { cause: err });
    }
    if (name === 'NoSuchBucket') return new FailedPreconditionError(`S3 bucket ${this.bucket} does not exist`, { cause: err });
    const code = String((err as { code?: unknown }).code ?? '');
    // Socket failures, the SDK's own timeouts, throttling and 5xx: the service, not the request, failed.
    if (
      /^E(CONNREFUSED|CONNRESET|CONNABORTED|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(code) ||
      name === 'TimeoutError' ||
      name === 'RequestTimeout' ||
      name === 'SlowDown' ||
      status === 429 ||
      (status !== undefined && status >= 500)
    ) {
      return new UnavailableError(`S3 unavailable for ${JSON.stringify(key)}: ${(err as Error).message}`, { cause: err });
    }
    return toMlopsError(err, `S3 request for ${JSON.stringify(key)}`);
  }
}

async function spoolToFile(body: BlobBody, path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(path, 'wx', 0o600);
  try {
    for await (const chunk of chunksOf(body)) {
      hash.update(chunk);
      size += chunk.byteLength;
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}
