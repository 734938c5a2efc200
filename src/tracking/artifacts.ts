import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { validateBlobKey } from '../adapters/blob/blob-key.js';
import type { BlobInfo } from '../adapters/blob/types.js';
import type { TrackingContext } from './context.js';
import type { RunStore } from './run-store.js';
import type { ArtifactEntry, RunInfo } from './types.js';

/** What can be logged as an artifact: bytes, a stream, or a local file (`{ file }` or a path string). */
export type ArtifactSource = Uint8Array | Readable | { file: string } | string;

function checkArtifactPath(path: unknown, field = 'path'): string {
  return validateBlobKey(path, field);
}

function isReadable(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}

/** Run artifacts in the BlobStore under `<experimentId>/<runId>/artifacts/`. */
export class RunArtifacts {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  private root(info: RunInfo): string {
    return `${info.experimentId}/${info.runId}/artifacts`;
  }

  async log(runId: string, path: string, source: ArtifactSource): Promise<BlobInfo> {
    checkArtifactPath(path);
    const info = await this.runs.getActiveInfo(runId);
    return this.putAt(this.root(info), path, source);
  }

  /** Writes one file under a folder of the store (a run's or a logged model's artifacts). */
  async putAt(root: string, path: string, source: ArtifactSource): Promise<BlobInfo> {
    checkArtifactPath(path);
    let body: Uint8Array | Readable;
    if (source instanceof Uint8Array || isReadable(source)) body = source;
    else {
      const file = typeof source === 'string' ? source : source?.file;
      if (typeof file !== 'string' || file.length === 0) {
        throw new InvalidArgumentError('Invalid source: expected bytes, a stream, a file path or { file }');
      }
      const st = await stat(file).catch(() => undefined);
      if (st === undefined || !st.isFile()) throw new NotFoundError(`Artifact source file ${JSON.stringify(file)} does not exist`, { details: { field: 'source' } });
      body = createReadStream(file);
    }
    const stored = await this.ctx.blobs.put(`${root}/${path}`, body);
    return { ...stored, key: path };
  }

  /** Logs every file below a local folder, keeping its layout under `artifactPath`. */
  async logDirectory(runId: string, dir: string, artifactPath?: string): Promise<number> {
    if (artifactPath !== undefined) checkArtifactPath(artifactPath, 'artifactPath');
    const st = await stat(dir).catch(() => undefined);
    if (st === undefined || !st.isDirectory()) throw new NotFoundError(`Artifact folder ${JSON.stringify(dir)} does not exist`, { details: { field: 'dir' } });
    const files = await walk(dir);
    // Validate every key before the first write, so a bad file name leaves nothing half-logged.
    const keys = files.map((f) => {
      const rel = relative(dir, f).split(sep).join('/');
      return { file: f, key: checkArtifactPath(artifactPath ? `${artifactPath}/${rel}` : rel, `file ${JSON.stringify(rel)}`) };
    });
    for (const { file, key } of keys) await this.log(runId, key, { file });
    return keys.length;
  }

  /** Direct children of `path` (the root when omitted): files with sizes, and folders. */
  async list(runId: string, path?: string): Promise<ArtifactEntry[]> {
    if (path !== undefined && path !== '') checkArtifactPath(path);
    const info = await this.runs.getInfo(runId);
    return this.listAt(this.root(info), path);
  }

  /** Direct children of `path` under a folder of the store, paths relative to that folder. */
  async listAt(root: string, path?: string): Promise<ArtifactEntry[]> {
    if (path !== undefined && path !== '') checkArtifactPath(path);
    const base = `${root}/`;
    const prefix = path ? `${base}${path.replace(/\/$/, '')}/` : base;
    const children = new Map<string, ArtifactEntry>();
    let cursor: string | undefined;
    do {
      const page = await this.ctx.blobs.list(prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const entry of page.entries) {
        const rest = entry.key.slice(prefix.length);
        const slash = rest.indexOf('/');
        const relPath = entry.key.slice(base.length, prefix.length + (slash === -1 ? rest.length : slash));
        if (slash === -1) children.set(relPath, { path: relPath, isDir: false, fileSize: entry.size });
        else if (!children.has(relPath)) children.set(relPath, { path: relPath, isDir: true });
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** Every file below `path` (a file or a folder) under `root`, removed; the count removed. */
  async deleteAt(root: string, path: string): Promise<number> {
    if (path !== '') checkArtifactPath(path);
    const target = path === '' ? root : `${root}/${path.replace(/\/$/, '')}`;
    let removed = (await this.ctx.blobs.delete(target).catch(() => false)) ? 1 : 0;
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.ctx.blobs.list(`${target}/`, { limit: 1000, ...(cursor ? { cursor } : {}) });
      keys.push(...page.entries.map((e) => e.key));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    for (const key of keys) if (await this.ctx.blobs.delete(key)) removed += 1;
    return removed;
  }

  async openAt(root: string, path: string): Promise<Readable> {
    checkArtifactPath(path);
    return this.ctx.blobs.getStream(`${root}/${path}`);
  }

  async getAt(root: string, path: string): Promise<Uint8Array> {
    checkArtifactPath(path);
    return this.ctx.blobs.get(`${root}/${path}`);
  }

  /** The run's artifact folder key in the store. */
  async runRoot(runId: string): Promise<string> {
    return this.root(await this.runs.getInfo(runId));
  }

  async download(runId: string, path: string): Promise<Uint8Array> {
    checkArtifactPath(path);
    const info = await this.runs.getInfo(runId);
    return this.ctx.blobs.get(`${this.root(info)}/${path}`);
  }

  async open(runId: string, path: string): Promise<Readable> {
    checkArtifactPath(path);
    const info = await this.runs.getInfo(runId);
    return this.ctx.blobs.getStream(`${this.root(info)}/${path}`);
  }

  async head(runId: string, path: string): Promise<BlobInfo | undefined> {
    checkArtifactPath(path);
    const info = await this.runs.getInfo(runId);
    const found = await this.ctx.blobs.head(`${this.root(info)}/${path}`);
    return found === undefined ? undefined : { ...found, key: path };
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}
