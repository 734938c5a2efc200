import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, isMlopsError } from '../core/errors.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import { checkKey } from '../search/index.js';
import type { SearchSchema } from '../search/index.js';
import { compileFilter, compileOrder, type SqlEntity } from '../search/index.js';
import { planSearch } from '../search/index.js';
import { bumpChanges, modelId, type RegistryContext } from './context.js';
import { checkDescription, checkTagMap } from './model-store.js';
import { checkModelName, checkVersion } from './names.js';
import { withColumns } from './columns.js';
import { MLMODEL_FILE, compareSignatures, parseMlmodel, readOnnxSignature, type MlmodelFile } from '../onnx/index.js';
import type { RegistryControls } from './controls-hooks.js';
import type { CreateModelVersionInput, ModelSignature, ModelVersion } from './types.js';
import { VERSION_SELECT, hydrateVersions, type VersionRow } from './version-rows.js';

const VERSION_SEARCH: SearchSchema = {
  entity: 'model versions',
  attributes: { name: 'string', version: 'number', run_id: 'string', status: 'string', approval: 'string', created_by: 'string', creation_time: 'number', last_updated_time: 'number', format: 'string', source: 'string' },
  // MLflow's names for the same columns (order_by=['version_number DESC'], filter="source_path = '…'").
  attributeAliases: { version_number: 'version', creation_timestamp: 'creation_time', last_updated_timestamp: 'last_updated_time', user_id: 'created_by', source_path: 'source' },
  kinds: new Set(['tag']),
  bareAttributes: true,
};

const VERSION_SQL: SqlEntity = {
  alias: 'v',
  idColumn: 'model_id',
  columns: {
    name: 'm.name', version: 'v.version', run_id: 'v.run_id', status: 'v.status', approval: 'v.approval', created_by: 'v.created_by',
    creation_time: 'v.creation_time', last_updated_time: 'v.last_updated_time', format: 'v.format', source: 'v.source',
  },
  children: {},
  tieBreakers: [
    { column: 'm.name', descending: false, text: true },
    { column: 'v.version', descending: true, text: false },
  ],
  textAttributes: new Set(['name', 'run_id', 'status', 'approval', 'created_by', 'format', 'source']),
};

/** Reads the files of a version's source through the tracking module: run artifacts and logged models' folders. */
export interface TrackingFiles {
  readRunArtifact(runId: string, path: string): Promise<Uint8Array>;
  readLoggedModelFile(modelId: string, path: string): Promise<Uint8Array>;
  /** The run that logged the model, if any. */
  loggedModelRun(modelId: string): Promise<string | undefined>;
}

/** What a source gave: one file, or an MLflow model folder read through `read`. */
type SourceRead = { bytes: Uint8Array; source: string; runId?: string; modelId?: string; folder?: (rel: string) => Promise<Uint8Array> };

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Model versions: copied into the registry's storage with sha256 and size, signature read at registration. */
export class VersionStore {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly files: TrackingFiles,
    private readonly controls: () => RegistryControls | undefined = () => undefined,
  ) {}

  async create(input: CreateModelVersionInput, actor: string): Promise<ModelVersion> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid createModelVersion: expected { name, source }');
    const name = checkModelName(input.name);
    const description = checkDescription(input.description);
    const tags = checkTagMap(input.tags, 'tags');
    let format = input.format ?? 'onnx';
    if (format !== 'onnx' && format !== 'opaque') throw new InvalidArgumentError(`Invalid format: ${JSON.stringify(format)} must be "onnx" or "opaque"`);
    const found = await this.readSource(input.source);
    const { source, runId } = found;
    let { bytes } = found;
    let columns = input.columns;
    let declared: MlmodelFile['signature'];
    if (found.folder !== undefined) {
      // An MLflow model folder: its ONNX flavor's file is the version; without one, the MLmodel
      // itself is kept as an opaque artifact so serving can name the flavors it found.
      const mlmodel = parseMlmodel(bytes);
      if (mlmodel.onnxFile !== undefined && format === 'onnx') {
        bytes = await found.folder(mlmodel.onnxFile);
        declared = mlmodel.signature;
      } else format = 'opaque';
    }
    // Validate before anything is written: a bad file never becomes a version.
    const read: ModelSignature | null = format === 'onnx' ? await readOnnxSignature(bytes) : null;
    if (read !== null && declared !== undefined && columns === undefined) columns = compareSignatures(declared, read).columns;
    if (read === null && input.columns !== undefined) throw new InvalidArgumentError('Invalid columns: an opaque artifact has no signature to name columns in');
    const signature = read === null ? null : withColumns(read, columns);
    const controls = this.controls();
    const stored = controls?.prepareVersionControls(input, signature);
    if (controls === undefined && (input.guards !== undefined || input.onViolation !== undefined)) throw new InvalidArgumentError('Invalid guards: this runtime has no controls module to store them');
    const digest = sha256(bytes);
    const now = this.ctx.clock.now();
    const { id, version, artifactKey } = await this.ctx.sql.transaction(async (tx) => {
      const id = await modelId(tx, name, true).catch((err: unknown) => {
        // The first version of a new model is where users meet this: say what to call first.
        if (err instanceof NotFoundError) throw new NotFoundError(`${err.message}: create it first with registry.createRegisteredModel({ name: ${JSON.stringify(name)} })`, { details: err.details });
        throw err;
      });
      const [row] = await tx.query<{ v: number | null }>('SELECT MAX(version) AS v FROM registry_versions WHERE model_id = ?', [id]);
      const version = Number(row?.v ?? 0) + 1;
      const artifactKey = `registry/${id}/${version}/${format === 'onnx' ? 'model.onnx' : 'model.bin'}`;
      await tx.exec(
        `INSERT INTO registry_versions (model_id, version, status, status_message, source, run_id, format, artifact_key, sha256, size, signature_json,
           description, created_by, creation_time, last_updated_time, approval, approval_requested_by)
         VALUES (?, ?, 'PENDING_REGISTRATION', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', NULL)`,
        [id, version, source, runId ?? null, format, artifactKey, digest, bytes.byteLength, signature === null ? null : JSON.stringify(signature), description, actor, now, now],
      );
      if (stored !== undefined) await controls?.storeVersionControls(tx, name, version, stored);
      if (tags.length > 0) await tx.insertMany('registry_version_tags', ['model_id', 'version', 'key', 'value'], tags.map(([k, v]) => [id, version, k, v]));
      await tx.exec('UPDATE registry_models SET last_updated_time = ? WHERE model_id = ?', [now, id]);
      await this.ctx.audit.append(tx, {
        actor,
        action: 'model_version.create',
        resourceKind: 'registered_model',
        resource: name,
        after: { version, sha256: digest, size: bytes.byteLength, source },
        details: { version, sha256: digest, ...(runId ? { runId } : {}) },
      });
      await bumpChanges(tx);
      return { id, version, artifactKey };
    });
    try {
      const stored = await this.ctx.blobs.put(artifactKey, bytes);
      if (stored.sha256 !== digest) throw new FailedPreconditionError(`The artifact store returned sha256 ${stored.sha256}, expected ${digest}`);
      // Only a version still pending becomes READY: crash recovery in another process may have
      // marked it failed after its grace period (registry/recovery.ts).
      const ready = await this.ctx.sql.exec("UPDATE registry_versions SET status = 'READY', last_updated_time = ? WHERE model_id = ? AND version = ? AND status = 'PENDING_REGISTRATION'", [this.ctx.clock.now(), id, version]);
      if (ready.changes === 0) {
        throw new FailedPreconditionError(`Model version ${name}/${version} was marked FAILED_REGISTRATION while its artifact was copied (registry.pendingGraceMs passed)`);
      }
    } catch (err) {
      await this.ctx.sql.exec("UPDATE registry_versions SET status = 'FAILED_REGISTRATION', status_message = ?, last_updated_time = ? WHERE model_id = ? AND version = ?", [
        `Copying the artifact failed: ${(err as Error).message}`.slice(0, 1000),
        this.ctx.clock.now(),
        id,
        version,
      ]);
      this.ctx.events.emit('registry.version.created', { name, version, status: 'FAILED_REGISTRATION' });
      throw err;
    }
    this.ctx.events.emit('registry.version.created', { name, version, status: 'READY' });
    return this.get(name, version);
  }

  async get(name: string, version: number | string, tx: SqlExecutor = this.ctx.sql): Promise<ModelVersion> {
    checkModelName(name);
    const v = checkVersion(version);
    const rows = await tx.query<VersionRow>(`${VERSION_SELECT} WHERE m.name = ? AND v.version = ?`, [name, v]);
    if (rows.length === 0) {
      await modelId(tx, name);
      throw new NotFoundError(`Model version ${name}/${v} not found`, { details: { field: 'version', value: v } });
    }
    const [found] = await hydrateVersions(tx, rows);
    return found as ModelVersion;
  }

  async row(tx: SqlExecutor, name: string, version: number, lock = false): Promise<VersionRow> {
    const [row] = await tx.query<VersionRow>(`${VERSION_SELECT} WHERE m.name = ? AND v.version = ?${lock ? tx.dialect.forUpdate.replace('FOR UPDATE', 'FOR UPDATE OF v') : ''}`, [name, version]);
    if (row === undefined) {
      await modelId(tx, name);
      throw new NotFoundError(`Model version ${name}/${version} not found`, { details: { field: 'version', value: version } });
    }
    return row;
  }

  async search(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<{ modelVersions: ModelVersion[]; nextPageToken?: string }> {
    const plan = planSearch(options, { schema: VERSION_SEARCH, scope: { name: 'versions' }, defaultResults: 1000 });
    const dialect = this.ctx.sql.dialect.name;
    const where = compileFilter(plan.expr, VERSION_SQL, dialect);
    const ord = compileOrder(plan.order, VERSION_SQL, dialect);
    const rows = await this.ctx.sql.query<VersionRow>(`${VERSION_SELECT} ${ord.joins} WHERE ${where.sql} ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`, [
      ...ord.joinParams,
      ...where.params,
      plan.limit,
      plan.offset,
    ]);
    const page = plan.page(rows);
    const modelVersions = await hydrateVersions(this.ctx.sql, page.rows);
    return page.nextPageToken !== undefined ? { modelVersions, nextPageToken: page.nextPageToken } : { modelVersions };
  }

  async update(name: string, version: number, input: { description?: string }, actor: string): Promise<ModelVersion> {
    const description = checkDescription(input?.description);
    await this.ctx.sql.transaction(async (tx) => {
      await modelId(tx, checkModelName(name), true);
      const row = await this.row(tx, name, checkVersion(version));
      await tx.exec('UPDATE registry_versions SET description = ?, last_updated_time = ? WHERE model_id = ? AND version = ?', [description, this.ctx.clock.now(), row.model_id, row.version]);
      await this.ctx.audit.append(tx, { actor, action: 'model_version.update', resourceKind: 'registered_model', resource: name, before: { description: row.description }, after: { description }, details: { version: Number(row.version) } });
    });
    return this.get(name, version);
  }

  async setTag(name: string, version: number, key: string, value: string, actor: string): Promise<void> {
    const [[k, v]] = checkTagMap({ [checkKey(key, 'key')]: value }, 'tag') as [[string, string]];
    await this.ctx.sql.transaction(async (tx) => {
      const row = await this.row(tx, checkModelName(name), checkVersion(version));
      await tx.exec(
        'INSERT INTO registry_version_tags (model_id, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value',
        [row.model_id, row.version, k, v],
      );
      await this.ctx.audit.append(tx, { actor, action: 'model_version.set_tag', resourceKind: 'registered_model', resource: name, after: { [k]: v }, details: { version: Number(row.version), key: k } });
    });
  }

  async deleteTag(name: string, version: number, key: string, actor: string): Promise<void> {
    checkKey(key, 'key');
    await this.ctx.sql.transaction(async (tx) => {
      // A tag write records no `before`: it needs no lock beyond its own row.
      const row = await this.row(tx, checkModelName(name), checkVersion(version));
      await tx.exec('DELETE FROM registry_version_tags WHERE model_id = ? AND version = ? AND key = ?', [row.model_id, row.version, key]);
      await this.ctx.audit.append(tx, { actor, action: 'model_version.delete_tag', resourceKind: 'registered_model', resource: name, details: { version: Number(row.version), key } });
    });
  }

  /** Deletes one version; refused while it holds an alias. */
  async delete(name: string, version: number, actor: string): Promise<void> {
    const key = await this.ctx.sql.transaction(async (tx) => {
      await modelId(tx, checkModelName(name), true);
      const row = await this.row(tx, name, checkVersion(version), true);
      const aliases = await tx.query<{ alias: string }>('SELECT alias FROM registry_aliases WHERE model_id = ? AND version = ?', [row.model_id, row.version]);
      if (aliases.length > 0) {
        throw new FailedPreconditionError(`Model version ${name}/${version} holds aliases (${aliases.map((a) => a.alias).join(', ')}); move or remove them first`);
      }
      await tx.exec('DELETE FROM registry_approvals WHERE model_id = ? AND version = ?', [row.model_id, row.version]);
      await tx.exec('DELETE FROM registry_version_tags WHERE model_id = ? AND version = ?', [row.model_id, row.version]);
      await tx.exec('DELETE FROM registry_versions WHERE model_id = ? AND version = ?', [row.model_id, row.version]);
      await this.ctx.audit.append(tx, { actor, action: 'model_version.delete', resourceKind: 'registered_model', resource: name, before: { version: Number(row.version), sha256: row.sha256 }, details: { version: Number(row.version) } });
      await bumpChanges(tx);
      return row.artifact_key;
    });
    await this.ctx.blobs.delete(key).catch(() => undefined);
  }

  /**
   * The version's artifact, checked against its recorded sha256 on every read: a changed or
   * truncated file is an error, never a silently loaded model.
   */
  async readArtifact(name: string, version: number): Promise<{ bytes: Uint8Array; version: ModelVersion }> {
    const found = await this.get(name, version);
    if (found.status !== 'READY') throw new FailedPreconditionError(`Model version ${name}/${version} is ${found.status}${found.statusMessage ? `: ${found.statusMessage}` : ''}`);
    const [row] = await this.ctx.sql.query<{ artifact_key: string }>(
      'SELECT v.artifact_key FROM registry_versions v JOIN registry_models m ON m.model_id = v.model_id WHERE m.name = ? AND v.version = ?',
      [name, found.version],
    );
    const bytes = await this.ctx.blobs.get(row?.artifact_key as string);
    verifyBytes(bytes, found.sha256, `${name}/${found.version}`);
    return { bytes, version: found };
  }

  private async readSource(source: CreateModelVersionInput['source']): Promise<SourceRead> {
    if (source === null || typeof source !== 'object') throw new InvalidArgumentError('Invalid source: expected { runId, path }, { modelId }, { file } or { bytes }');
    if ('bytes' in source) {
      if (!(source.bytes instanceof Uint8Array)) throw new InvalidArgumentError('Invalid source.bytes: expected a Uint8Array');
      return { bytes: source.bytes, source: 'bytes' };
    }
    if ('file' in source) {
      if (typeof source.file !== 'string' || source.file.length === 0) throw new InvalidArgumentError('Invalid source.file: expected a file path');
      try {
        return { bytes: await readFile(source.file), source: `file:${source.file}` };
      } catch (err) {
        throw new NotFoundError(`Invalid source.file: ${JSON.stringify(source.file)} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
    }
    if ('modelId' in source) {
      const modelId = source.modelId;
      const folder = (rel: string) => this.files.readLoggedModelFile(modelId, rel);
      const bytes = await folder(MLMODEL_FILE).catch((err: unknown) => {
        if (isMlopsError(err) && err.code === 'NOT_FOUND' && !String(err.message).startsWith('Logged model')) {
          throw new FailedPreconditionError(`Logged model ${modelId} has no MLmodel file; upload the model's files before registering it`, { cause: err });
        }
        throw err;
      });
      const runId = await this.files.loggedModelRun(modelId);
      return { bytes, source: `models:/${modelId}`, modelId, folder, ...(runId !== undefined ? { runId } : {}) };
    }
    if ('runId' in source && 'path' in source) {
      const { runId, path } = source;
      const base = path.replace(/\/+$/, '');
      // runs:/<id>/model names a model folder when it holds an MLmodel; otherwise one file.
      const mlmodel = /\.onnx$/.test(base) ? undefined : await this.files.readRunArtifact(runId, `${base}/${MLMODEL_FILE}`).catch(() => undefined);
      if (mlmodel !== undefined) return { bytes: mlmodel, source: `runs:/${runId}/${base}`, runId, folder: (rel) => this.files.readRunArtifact(runId, `${base}/${rel}`) };
      const bytes = await this.files.readRunArtifact(runId, path);
      return { bytes, source: `runs:/${runId}/${path}`, runId };
    }
    throw new InvalidArgumentError('Invalid source: expected { runId, path }, { modelId }, { file } or { bytes }');
  }
}

export function verifyBytes(bytes: Uint8Array, expected: string, what: string): void {
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new FailedPreconditionError(`Artifact of model version ${what} does not match its recorded sha256 (expected ${expected}, got ${actual}); refusing to use it`, {
      details: { expected, actual },
    });
  }
}
