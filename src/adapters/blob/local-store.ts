import { createHash, randomUUID } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { LRUCache } from 'lru-cache';
import { FailedPreconditionError, InvalidArgumentError, MlopsError, NotFoundError, toMlopsError } from '../../core/errors.js';
import { validateBlobKey, validateBlobPrefix } from './blob-key.js';
import { chunksOf } from './hashing.js';
import { decodeCursor, encodeCursor } from '../../core/cursor.js';
import type { BlobBody, BlobEntry, BlobInfo, BlobListOptions, BlobListPage, BlobStore } from './types.js';

/** Folder under the root for writes in progress; never listed, and keys may not start with it. */
const TMP_DIR = '.mlops-tmp';
const RESERVED_PREFIX = '.mlops-';
const STALE_TMP_MS = 60 * 60 * 1000;

export interface LocalBlobOptions {
  /** Root folder; created when missing. */
  root: string;
}

/** Opens a blob store on the local file system with atomic writes (temp file, fsync, rename). */
export async function openLocalBlobStore(options: LocalBlobOptions): Promise<BlobStore> {
  if (typeof options.root !== 'string' || options.root.length === 0) {
    throw new InvalidArgumentError(`Invalid artifacts root: ${JSON.stringify(options.root)}`);
  }
  const root = resolve(options.root);
  await mkdir(join(root, TMP_DIR), { recursive: true });
  const store = new LocalBlobStore(await realpath(root));
  await store.removeStaleTemps();
  return store;
}

/** Temp file names start with the writing process's host and pid, so that a crash's leftovers can be told apart. */
const TEMP_OWNER = `${encodeURIComponent(hostname())}~${process.pid}~`;

/** True when `name` is a temp file of a process of this host that no longer runs. */
function ownerGone(name: string): boolean {
  const [host, pid] = name.split('~', 3);
  if (host !== encodeURIComponent(hostname()) || pid === undefined || !/^\d+$/.test(pid)) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    // EPERM: the process exists under another user; only ESRCH means it is gone.
    return isCode(err, 'ESRCH');
  }
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes(String((err as { code?: unknown }).code));
}

class LocalBlobStore implements BlobStore {
  readonly uri: string;
  private readonly hashes = new LRUCache<string, { stamp: string; sha256: string }>({ max: 10_000 });

  constructor(private readonly root: string) {
    this.uri = pathToFileURL(root).href;
  }

  async put(key: string, body: BlobBody): Promise<BlobInfo> {
    const target = await this.writablePath(key);
    const tmp = join(this.root, TMP_DIR, `${TEMP_OWNER}${randomUUID()}.tmp`);
    const hash = createHash('sha256');
    let size = 0;
    const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644);
    try {
      for await (const chunk of chunksOf(body)) {
        hash.update(chunk);
        size += chunk.byteLength;
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
      }
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw toMlopsError(err, `Writing blob ${JSON.stringify(key)}`);
    }
    await handle.close();
    try {
      await rename(tmp, target);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      if (isCode(err, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) {
        throw new FailedPreconditionError(`Cannot write blob ${JSON.stringify(key)}: a folder has that name`);
      }
      throw toMlopsError(err, `Writing blob ${JSON.stringify(key)}`);
    }
    await this.syncDir(join(target, '..'));
    const info = await stat(target);
    const sha256 = hash.digest('hex');
    this.hashes.set(target, { stamp: stampOf(info), sha256 });
    return { key, size, lastModified: info.mtimeMs, sha256 };
  }

  async get(key: string): Promise<Uint8Array> {
    const path = await this.readablePath(key);
    try {
      return await readFile(path);
    } catch (err) {
      throw this.readError(err, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = await this.readablePath(key);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw this.readError(err, key);
    });
    return handle.createReadStream({ autoClose: true });
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    let path: string;
    try {
      path = await this.readablePath(key);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) return undefined;
    const stamp = stampOf(info);
    const cached = this.hashes.get(path);
    let sha256 = cached?.stamp === stamp ? cached.sha256 : undefined;
    if (sha256 === undefined) {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      sha256 = hash.digest('hex');
      this.hashes.set(path, { stamp, sha256 });
    }
    return { key, size: info.size, lastModified: info.mtimeMs, sha256 };
  }

  async list(prefix: string, options: BlobListOptions = {}): Promise<BlobListPage> {
    validateBlobPrefix(prefix);
    const limit = options.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) {
      throw new InvalidArgumentError(`Invalid limit: ${limit} must be an integer from 1 to 100000`);
    }
    const after = decodeCursor(options.cursor);
    const slash = prefix.lastIndexOf('/');
    const startDir = slash === -1 ? '' : prefix.slice(0, slash);
    const all: BlobEntry[] = [];
    await this.checkListRoot(startDir, prefix);
    await this.walk(startDir, prefix, all);
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const from = after === undefined ? 0 : all.findIndex((e) => e.key > after);
    const entries = from === -1 ? [] : all.slice(from, from + limit);
    const last = entries[entries.length - 1];
    const more = from !== -1 && from + limit < all.length;
    return more && last ? { entries, nextCursor: encodeCursor(last.key) } : { entries };
  }

  async delete(key: string): Promise<boolean> {
    let path: string;
    try {
      path = await this.readablePath(key);
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
    try {
      await unlink(path);
    } catch (err) {
      if (isCode(err, 'ENOENT')) return false;
      if (isCode(err, 'EISDIR', 'EPERM')) return false;
      throw toMlopsError(err, `Deleting blob ${JSON.stringify(key)}`);
    }
    this.hashes.delete(path);
    await this.pruneEmptyParents(path);
    return true;
  }

  async close(): Promise<void> {
    this.hashes.clear();
  }

  /**
   * Removes temp files no writer owns any more: those of a process of this host that is gone (a
   * SIGKILL mid-write leaves its temp file behind), and any older than an hour (a writer on another
   * host sharing the folder, or a name from an older version).
   */
  async removeStaleTemps(): Promise<void> {
    const dir = join(this.root, TMP_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of names) {
      const info = await lstat(join(dir, name)).catch(() => undefined);
      if (info && (info.mtimeMs < cutoff || ownerGone(name))) await rm(join(dir, name), { force: true }).catch(() => undefined);
    }
  }

  private checkKey(key: string): string {
    validateBlobKey(key);
    if (key.startsWith(RESERVED_PREFIX)) {
      throw new InvalidArgumentError(`Invalid key: ${JSON.stringify(key)} starts with the reserved ${RESERVED_PREFIX}`);
    }
    return join(this.root, ...key.split('/'));
  }

  private inside(path: string): boolean {
    const rel = relative(this.root, path);
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  }

  /** Creates the parent folders and proves that neither they nor the target lead out of the root. */
  private async writablePath(key: string): Promise<string> {
    const target = this.checkKey(key);
    const parent = join(target, '..');
    try {
      await mkdir(parent, { recursive: true });
    } catch (err) {
      if (isCode(err, 'ENOTDIR', 'EEXIST')) {
        throw new FailedPreconditionError(`Cannot write blob ${JSON.stringify(key)}: a parent is a file`);
      }
      throw toMlopsError(err, `Writing blob ${JSON.stringify(key)}`);
    }
    const realParent = await realpath(parent);
    if (realParent !== this.root && !this.inside(realParent)) {
      throw new InvalidArgumentError(`Invalid key: ${JSON.stringify(key)} leads outside the store through a link`);
    }
    const existing = await lstat(target).catch(() => undefined);
    if (existing?.isSymbolicLink()) {
      throw new InvalidArgumentError(`Invalid key: ${JSON.stringify(key)} names a symbolic link`);
    }
    if (existing?.isDirectory()) {
      throw new FailedPreconditionError(`Cannot write blob ${JSON.stringify(key)}: a folder has that name`);
    }
    return join(realParent, basename(target));
  }

  /** The real path of an existing key, refusing any that resolves outside the root. */
  private async readablePath(key: string): Promise<string> {
    const target = this.checkKey(key);
    let real: string;
    try {
      real = await realpath(target);
    } catch (err) {
      throw this.readError(err, key);
    }
    if (!this.inside(real)) {
      throw new InvalidArgumentError(`Invalid key: ${JSON.stringify(key)} leads outside the store through a link`);
    }
    const info = await stat(real);
    if (!info.isFile()) throw new NotFoundError(`Blob ${JSON.stringify(key)} not found (it is a folder)`);
    return real;
  }

  private readError(err: unknown, key: string): MlopsError {
    if (err instanceof MlopsError) return err;
    if (isCode(err, 'ENOENT', 'ENOTDIR')) return new NotFoundError(`Blob ${JSON.stringify(key)} not found`, { cause: err });
    return toMlopsError(err, `Reading blob ${JSON.stringify(key)}`);
  }

  /**
   * The walk below skips links it meets (a Dirent of a link is neither file nor folder), but the
   * folder it starts from is opened by path, so a link there or above it would list what it points
   * at (`<run>/artifacts/<link to /etc>` listed /etc). Refused like reads and writes through links.
   */
  private async checkListRoot(dirKey: string, prefix: string): Promise<void> {
    if (dirKey === '') return;
    let real: string;
    try {
      real = await realpath(join(this.root, ...dirKey.split('/')));
    } catch {
      return; // nothing there: an empty listing
    }
    if (real !== this.root && !this.inside(real)) {
      throw new InvalidArgumentError(`Invalid prefix: ${JSON.stringify(prefix)} leads outside the store through a link`);
    }
  }

  private async walk(dirKey: string, prefix: string, out: BlobEntry[]): Promise<void> {
    const dir = dirKey === '' ? this.root : join(this.root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (dirKey === '' && entry.name.startsWith(RESERVED_PREFIX)) continue;
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(join(dir, entry.name)).catch(() => undefined);
        if (info) out.push({ key, size: info.size, lastModified: info.mtimeMs });
      }
    }
  }

  private async pruneEmptyParents(path: string): Promise<void> {
    let dir = join(path, '..');
    while (dir !== this.root && this.inside(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = join(dir, '..');
    }
  }

  private async syncDir(dir: string): Promise<void> {
    try {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Some file systems cannot fsync a folder; the rename is still atomic there.
    }
  }
}

function stampOf(info: Stats): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}
