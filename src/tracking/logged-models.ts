import { NotFoundError, InvalidArgumentError, FailedPreconditionError } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import type { TrackingContext } from './context.js';
import { checkExperimentId } from './experiment-store.js';
import { LIMITS, checkKey, checkMaxResults, checkString, checkTagRecord, chunks, placeholders } from '../search/index.js';
import type { RunStore } from './run-store.js';
import { compileFilter, compileOrder, decodePageToken, encodePageToken, queryDigest, parseFilter, parseOrderBy } from '../search/index.js';
import { LOGGED_MODEL_SEARCH_SCHEMA, LOGGED_MODEL_SQL_ENTITY } from './search-entities.js';
import { LOGGED_MODEL_STATUSES, type LoggedModel, type LoggedModelStatus, type RunModels, type SearchLoggedModelsOptions } from './types.js';

const MODEL_ID = /^m-[0-9a-f]{32}$/;

/** A logged model id as MLflow 3 makes them: `m-` and 32 lowercase hex characters. */
export function checkLoggedModelId(id: unknown, field = 'modelId'): string {
  if (typeof id !== 'string' || !MODEL_ID.test(id)) throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(id)} is not a logged model id (m- and 32 hex characters)`, { details: { field } });
  return id;
}

export function isLoggedModelId(id: string): boolean {
  return MODEL_ID.test(id);
}

/** The artifact-store key of a logged model's folder, as MLflow lays it out. */
export function loggedModelRoot(experimentId: string, modelId: string): string {
  return `${experimentId}/models/${modelId}/artifacts`;
}

interface LoggedModelRow {
  model_id: string;
  experiment_id: number | string;
  name: string;
  artifact_location: string;
  status: string;
  status_message: string | null;
  model_type: string | null;
  source_run_id: string | null;
  creator_id: string;
  creation_time: number | string;
  last_updated_time: number | string;
}

const COLUMNS = 'lm.model_id, lm.experiment_id, lm.name, lm.artifact_location, lm.status, lm.status_message, lm.model_type, lm.source_run_id, lm.creator_id, lm.creation_time, lm.last_updated_time';

export interface CreateLoggedModelInput {
  experimentId?: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Record<string, unknown>;
  tags?: Record<string, unknown>;
}

function checkStatus(status: unknown): LoggedModelStatus {
  const named = typeof status === 'string' && !status.startsWith('LOGGED_MODEL_') ? `LOGGED_MODEL_${status === 'FAILED' ? 'UPLOAD_FAILED' : status}` : status;
  if (typeof named !== 'string' || !(LOGGED_MODEL_STATUSES as readonly string[]).includes(named)) {
    throw new InvalidArgumentError(`Invalid status: ${JSON.stringify(status)} must be one of ${LOGGED_MODEL_STATUSES.join(', ')}`, { details: { field: 'status' } });
  }
  return named as LoggedModelStatus;
}

function checkParams(params: unknown, field: string): Array<[string, string]> {
  return checkTagRecord(params ?? {}, field, LIMITS.paramValue);
}

/** Logged models (MLflow 3): metadata in SQL, files in the artifact store under the model's folder. */
export class LoggedModelStore {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  async create(input: CreateLoggedModelInput, actor: string): Promise<LoggedModel> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid createLoggedModel: expected { experimentId, name }');
    const modelId = `m-${newRunId()}`;
    const name = input.name === undefined || input.name === '' ? `model-${modelId.slice(2, 10)}` : checkString(input.name, 'name', LIMITS.runName);
    const modelType = input.modelType === undefined || input.modelType === '' ? null : checkString(input.modelType, 'modelType', LIMITS.runName);
    const params = checkParams(input.params, 'params');
    const tags = checkTagRecord(input.tags ?? {}, 'tags');
    const now = this.ctx.clock.now();
    await this.ctx.sql.transaction(async (tx) => {
      let experimentId = input.experimentId;
      if (input.sourceRunId !== undefined && input.sourceRunId !== '') {
        const run = await this.runs.getActiveInfo(input.sourceRunId, tx);
        experimentId ??= run.experimentId;
      }
      const expId = checkExperimentId(experimentId ?? '0', 'experimentId');
      const [exp] = await tx.query<{ lifecycle_stage: string }>('SELECT lifecycle_stage FROM tracking_experiments WHERE experiment_id = ?', [expId]);
      if (exp === undefined) throw new NotFoundError(`Experiment ${JSON.stringify(String(expId))} not found`, { details: { field: 'experimentId', value: String(expId) } });
      if (exp.lifecycle_stage !== 'active') throw new FailedPreconditionError(`Experiment ${expId} is deleted; restore it before logging models to it`);
      const location = `${this.ctx.blobs.uri}/${loggedModelRoot(String(expId), modelId)}`;
      await tx.exec(
        `INSERT INTO tracking_logged_models (model_id, experiment_id, name, artifact_location, status, status_message, model_type, source_run_id, creator_id, creation_time, last_updated_time, lifecycle_stage)
         VALUES (?, ?, ?, ?, 'LOGGED_MODEL_PENDING', NULL, ?, ?, ?, ?, ?, 'active')`,
        [modelId, expId, name, location, modelType, input.sourceRunId || null, actor, now, now],
      );
      if (params.length > 0) await tx.insertMany('tracking_logged_model_params', ['model_id', 'key', 'value'], params.map(([k, v]) => [modelId, k, v]));
      if (tags.length > 0) await tx.insertMany('tracking_logged_model_tags', ['model_id', 'key', 'value'], tags.map(([k, v]) => [modelId, k, v]));
    });
    return this.get(modelId);
  }

  async get(modelId: string, tx: SqlExecutor = this.ctx.sql): Promise<LoggedModel> {
    checkLoggedModelId(modelId);
    const rows = await tx.query<LoggedModelRow>(`SELECT ${COLUMNS} FROM tracking_logged_models lm WHERE lm.model_id = ? AND lm.lifecycle_stage = 'active'`, [modelId]);
    if (rows.length === 0) throw new NotFoundError(`Logged model ${JSON.stringify(modelId)} not found`, { details: { field: 'modelId', value: modelId } });
    const [model] = await this.hydrate(tx, rows);
    return model as LoggedModel;
  }

  /** PENDING → READY or UPLOAD_FAILED (MLflow's FinalizeLoggedModel). */
  async finalize(modelId: string, status: unknown, statusMessage?: string): Promise<LoggedModel> {
    const to = checkStatus(status);
    await this.ctx.sql.transaction(async (tx) => {
      await this.get(modelId, tx);
      await tx.exec('UPDATE tracking_logged_models SET status = ?, status_message = ?, last_updated_time = ? WHERE model_id = ?', [to, statusMessage ?? null, this.ctx.clock.now(), modelId]);
    });
    return this.get(modelId);
  }

  /** Soft delete, as MLflow: the model no longer answers get or search; its files stay. */
  async delete(modelId: string, actor: string): Promise<void> {
    await this.ctx.sql.transaction(async (tx) => {
      const model = await this.get(modelId, tx);
      await tx.exec("UPDATE tracking_logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE model_id = ?", [this.ctx.clock.now(), modelId]);
      await this.ctx.audit.append(tx, { actor, action: 'logged_model.delete', resourceKind: 'experiment', resource: model.experimentId, details: { modelId, name: model.name } });
    });
  }

  async setTags(modelId: string, tags: Record<string, unknown>): Promise<void> {
    const checked = checkTagRecord(tags, 'tags');
    await this.ctx.sql.transaction(async (tx) => {
      await this.get(modelId, tx);
      for (const [k, v] of checked) {
        await tx.exec('INSERT INTO tracking_logged_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value', [modelId, k, v]);
      }
      await tx.exec('UPDATE tracking_logged_models SET last_updated_time = ? WHERE model_id = ?', [this.ctx.clock.now(), modelId]);
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    checkKey(key, 'key');
    await this.ctx.sql.transaction(async (tx) => {
      await this.get(modelId, tx);
      const { changes } = await tx.exec('DELETE FROM tracking_logged_model_tags WHERE model_id = ? AND key = ?', [modelId, key]);
      if (changes === 0) throw new NotFoundError(`No tag ${JSON.stringify(key)} on logged model ${modelId}`, { details: { field: 'key', value: key } });
    });
  }

  /** Params are write-once, as a run's: the same value again is a no-op, another value is refused. */
  async logParams(modelId: string, params: Record<string, unknown>): Promise<void> {
    const checked = checkParams(params, 'params');
    await this.ctx.sql.transaction(async (tx) => {
      await this.get(modelId, tx);
      for (const [k, v] of checked) {
        const [old] = await tx.query<{ value: string }>('SELECT value FROM tracking_logged_model_params WHERE model_id = ? AND key = ?', [modelId, k]);
        if (old === undefined) await tx.exec('INSERT INTO tracking_logged_model_params (model_id, key, value) VALUES (?, ?, ?)', [modelId, k, v]);
        else if (old.value !== v) throw new InvalidArgumentError(`Invalid params.${k}: already logged as ${JSON.stringify(old.value)}, cannot change it to ${JSON.stringify(v)}`, { details: { field: `params.${k}` } });
      }
    });
  }

  async search(options: SearchLoggedModelsOptions): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
    if (options === null || typeof options !== 'object' || !Array.isArray(options.experimentIds)) throw new InvalidArgumentError('Invalid searchLoggedModels: expected { experimentIds: [...] }');
    const ids = options.experimentIds.map((id, i) => checkExperimentId(id, `experimentIds[${i}]`));
    const maxResults = checkMaxResults(options.maxResults, 'maxResults', LIMITS.searchMaxResults, LIMITS.searchDefaultResults);
    const expr = parseFilter(options.filter, LOGGED_MODEL_SEARCH_SCHEMA);
    const order = parseOrderBy(options.orderBy, LOGGED_MODEL_SEARCH_SCHEMA);
    const digest = queryDigest(['logged-models', ids, options.filter ?? '', options.orderBy ?? []]);
    const offset = decodePageToken(options.pageToken, digest);
    if (ids.length === 0) return { models: [] };
    const dialect = this.ctx.sql.dialect.name;
    const where = compileFilter(expr, LOGGED_MODEL_SQL_ENTITY, dialect);
    const ord = compileOrder(order, LOGGED_MODEL_SQL_ENTITY, dialect);
    const rows = await this.ctx.sql.query<LoggedModelRow>(
      `SELECT ${COLUMNS} FROM tracking_logged_models lm ${ord.joins}
       WHERE lm.lifecycle_stage = 'active' AND lm.experiment_id IN (${placeholders(ids.length)}) AND ${where.sql}
       ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...ids, ...where.params, maxResults + 1, offset],
    );
    const models = await this.hydrate(this.ctx.sql, rows.slice(0, maxResults));
    return rows.length > maxResults ? { models, nextPageToken: encodePageToken(offset + maxResults, digest) } : { models };
  }

  /** Links models to a run: outputs (runs/outputs) or inputs (runs/log-inputs). */
  async linkRun(runId: string, direction: 'output' | 'input', models: Array<{ modelId: string; step?: number }>): Promise<void> {
    if (!Array.isArray(models)) throw new InvalidArgumentError('Invalid models: expected a list of { modelId, step }');
    const checked = models.map((m, i) => {
      const step = m?.step ?? 0;
      if (!Number.isSafeInteger(step)) throw new InvalidArgumentError(`Invalid models[${i}].step: ${JSON.stringify(step)} must be a whole number`);
      return { modelId: checkLoggedModelId(m?.modelId, `models[${i}].modelId`), step };
    });
    await this.ctx.sql.transaction(async (tx) => {
      await this.runs.getActiveInfo(runId, tx);
      for (const m of checked) {
        await this.get(m.modelId, tx);
        await tx.exec(
          'INSERT INTO tracking_run_models (run_id, model_id, direction, step) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, model_id, direction) DO UPDATE SET step = excluded.step',
          [runId, m.modelId, direction, m.step],
        );
      }
    });
  }

  async runModels(runId: string): Promise<RunModels> {
    await this.runs.getInfo(runId);
    const rows = await this.ctx.sql.query<{ model_id: string; direction: string; step: number | string }>(
      'SELECT model_id, direction, step FROM tracking_run_models WHERE run_id = ? ORDER BY step, model_id',
      [runId],
    );
    return {
      outputs: rows.filter((r) => r.direction === 'output').map((r) => ({ modelId: r.model_id, step: Number(r.step) })),
      inputs: rows.filter((r) => r.direction === 'input').map((r) => ({ modelId: r.model_id })),
    };
  }

  /** The artifact-store key of the model's folder. */
  async root(modelId: string): Promise<string> {
    const model = await this.get(modelId);
    return loggedModelRoot(model.experimentId, model.modelId);
  }

  private async hydrate(tx: SqlExecutor, rows: LoggedModelRow[]): Promise<LoggedModel[]> {
    const tags = new Map<string, Record<string, string>>();
    const params = new Map<string, Record<string, string>>();
    for (const part of chunks(rows.map((r) => r.model_id), 500)) {
      const inList = placeholders(part.length);
      for (const [table, into] of [['tracking_logged_model_tags', tags], ['tracking_logged_model_params', params]] as const) {
        for (const kv of await tx.query<{ model_id: string; key: string; value: string }>(`SELECT model_id, key, value FROM ${table} WHERE model_id IN (${inList})`, part)) {
          const rec = into.get(kv.model_id) ?? {};
          rec[kv.key] = kv.value;
          into.set(kv.model_id, rec);
        }
      }
    }
    return rows.map((r) => ({
      modelId: r.model_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      status: r.status as LoggedModelStatus,
      ...(r.status_message !== null ? { statusMessage: r.status_message } : {}),
      ...(r.model_type !== null ? { modelType: r.model_type } : {}),
      ...(r.source_run_id !== null ? { sourceRunId: r.source_run_id } : {}),
      creatorId: r.creator_id,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
      tags: tags.get(r.model_id) ?? {},
      params: params.get(r.model_id) ?? {},
    }));
  }
}
