import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { isRunId, newRunId } from '../core/ids.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import type { TrackingContext } from './context.js';
import type { ExperimentStore } from './experiment-store.js';
import { LIMITS, checkInteger, checkString, checkTagRecord } from '../search/index.js';
import { RUN_COLUMNS, metricValue, toMetric, toRunInfo, type MetricRow, type RunRow } from './rows.js';
import { chunks, placeholders } from '../search/index.js';
import { generateRunName } from './run-names.js';
import { RUN_STATUSES, type DatasetInput, type Metric, type Run, type RunInfo, type RunStatus } from './types.js';

export const TAG_RUN_NAME = 'mlflow.runName';
export const TAG_USER = 'mlflow.user';
export const TAG_PARENT_RUN_ID = 'mlflow.parentRunId';

export interface CreateRunInput {
  experimentId?: string;
  /** Run name; a generated `adjective-noun-NNN` when left out. */
  name?: string;
  tags?: Record<string, string | number | boolean>;
  /** Makes this a child run (tag `mlflow.parentRunId`). */
  parentRunId?: string;
  /** Milliseconds since the epoch; default now. */
  startTime?: number;
  status?: RunStatus;
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  name?: string;
}

export function checkRunId(runId: unknown, field = 'runId'): string {
  if (typeof runId !== 'string' || !isRunId(runId)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(runId)} is not a run id (32 lowercase hex characters)`);
  }
  return runId;
}

export function checkStatus(status: unknown, field = 'status'): RunStatus {
  if (typeof status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(status)} must be one of ${RUN_STATUSES.join(', ')}`);
  }
  return status as RunStatus;
}

/** Runs: create, read, update, soft delete and restore. Params, metrics and tags are in RunWriter. */
export class RunStore {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly experiments: ExperimentStore,
  ) {}

  async create(input: CreateRunInput, userId: string): Promise<RunInfo> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid startRun: expected an options object');
    const experimentId = input.experimentId ?? '0';
    const startTime = input.startTime === undefined ? this.ctx.clock.now() : checkInteger(input.startTime, 'startTime');
    const status = input.status === undefined ? 'RUNNING' : checkStatus(input.status);
    const tags = checkTagRecord(input.tags, 'tags');
    const explicitName = input.name ?? tags.find(([k]) => k === TAG_RUN_NAME)?.[1];
    const name = explicitName === undefined ? generateRunName() : checkString(explicitName, 'name', LIMITS.runName);
    const parentRunId = input.parentRunId === undefined ? undefined : checkRunId(input.parentRunId, 'parentRunId');
    const runId = newRunId();
    const allTags = new Map(tags);
    allTags.set(TAG_RUN_NAME, name);
    allTags.set(TAG_USER, userId);
    if (parentRunId !== undefined) allTags.set(TAG_PARENT_RUN_ID, parentRunId);

    const info = await this.ctx.sql.transaction(async (tx) => {
      const exp = await this.experiments.getActive(experimentId, tx);
      if (parentRunId !== undefined) {
        const [parent] = await tx.query('SELECT run_id FROM tracking_runs WHERE run_id = ?', [parentRunId]);
        if (parent === undefined) throw new NotFoundError(`Parent run ${parentRunId} does not exist`, { details: { field: 'parentRunId' } });
      }
      const artifactUri = `${exp.artifactLocation}/${runId}/artifacts`;
      await tx.exec(
        `INSERT INTO tracking_runs (run_id, experiment_id, run_name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri)
         VALUES (?, ?, ?, ?, ?, ?, NULL, 'active', ?)`,
        [runId, Number(exp.experimentId), name, userId, status, startTime, artifactUri],
      );
      await tx.insertMany('tracking_tags', ['run_id', 'key', 'value'], [...allTags].map(([k, v]) => [runId, k, v]));
      return (await this.loadInfo(tx, runId)) as RunInfo;
    });
    this.ctx.events.emit('tracking.run.created', { runId: info.runId, experimentId: info.experimentId });
    return info;
  }

  async getInfo(runId: string, tx: SqlExecutor = this.ctx.sql): Promise<RunInfo> {
    checkRunId(runId);
    const info = await this.loadInfo(tx, runId);
    if (info === undefined) throw new NotFoundError(`Run ${JSON.stringify(runId)} not found`, { details: { field: 'runId', value: runId } });
    return info;
  }

  /** The run, refusing one that is deleted: writes go to active runs only, as in MLflow. */
  async getActiveInfo(runId: string, tx: SqlExecutor = this.ctx.sql): Promise<RunInfo> {
    const info = await this.getInfo(runId, tx);
    if (info.lifecycleStage !== 'active') {
      throw new FailedPreconditionError(`Run ${runId} is deleted; restore it before writing to it`, { details: { field: 'runId', value: runId } });
    }
    return info;
  }

  async get(runId: string): Promise<Run> {
    const info = await this.getInfo(runId);
    const [run] = await this.hydrate([info]);
    return run as Run;
  }

  async update(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid updateRun: expected an options object');
    const status = input.status === undefined ? undefined : checkStatus(input.status);
    const endTime = input.endTime === undefined ? undefined : checkInteger(input.endTime, 'endTime');
    const name = input.name === undefined ? undefined : checkString(input.name, 'name', LIMITS.runName);
    const info = await this.ctx.sql.transaction(async (tx) => {
      await this.getActiveInfo(runId, tx);
      const sets: string[] = [];
      const params: Array<string | number> = [];
      if (status !== undefined) {
        sets.push('status = ?');
        params.push(status);
      }
      if (endTime !== undefined) {
        sets.push('end_time = ?');
        params.push(endTime);
      }
      if (name !== undefined) {
        sets.push('run_name = ?');
        params.push(name);
        await tx.exec(
          'INSERT INTO tracking_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value',
          [runId, TAG_RUN_NAME, name],
        );
      }
      if (sets.length > 0) await tx.exec(`UPDATE tracking_runs SET ${sets.join(', ')} WHERE run_id = ?`, [...params, runId]);
      return this.getInfo(runId, tx);
    });
    if (status !== undefined) this.ctx.events.emit('tracking.run.updated', { runId, status: info.status });
    return info;
  }

  async setStage(runId: string, stage: 'active' | 'deleted', actor: string): Promise<void> {
    checkRunId(runId);
    await this.ctx.sql.transaction(async (tx) => {
      // The run's row first: the stage read below is the one this change replaces (audit `before`).
      await tx.query(`SELECT run_id FROM tracking_runs WHERE run_id = ?${tx.dialect.forUpdate}`, [runId]);
      const info = await this.getInfo(runId, tx);
      if (stage === 'active') {
        const [exp] = await tx.query<{ lifecycle_stage: string }>('SELECT lifecycle_stage FROM tracking_experiments WHERE experiment_id = ?', [Number(info.experimentId)]);
        if (exp?.lifecycle_stage !== 'active') {
          throw new FailedPreconditionError(`Run ${runId} belongs to deleted experiment ${info.experimentId}; restore the experiment first`);
        }
      }
      await tx.exec('UPDATE tracking_runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_id = ?', [
        stage,
        stage === 'deleted' ? this.ctx.clock.now() : null,
        runId,
      ]);
      await this.ctx.audit.append(tx, {
        actor,
        action: stage === 'deleted' ? 'run.delete' : 'run.restore',
        resourceKind: 'run',
        resource: runId,
        before: { lifecycleStage: info.lifecycleStage },
        after: { lifecycleStage: stage },
      });
    });
  }

  /** The latest point of every metric of each run, with its timestamp and step (MLflow's run.data.metrics). */
  async latestMetrics(runIds: readonly string[]): Promise<Map<string, Metric[]>> {
    const out = new Map<string, Metric[]>(runIds.map((id) => [id, []]));
    for (const ids of chunks([...new Set(runIds)])) {
      const rows = await this.ctx.sql.query<MetricRow & { run_id: string }>(
        `SELECT run_id, key, value, is_nan, timestamp, step FROM tracking_latest_metrics WHERE run_id IN (${placeholders(ids.length)}) ORDER BY key`,
        ids,
      );
      for (const row of rows) out.get(row.run_id)?.push(toMetric(row));
    }
    return out;
  }

  /** Adds params, latest metrics, tags and dataset inputs to run infos, in a few queries for many runs. */
  async hydrate(infos: readonly RunInfo[], tx: SqlExecutor = this.ctx.sql): Promise<Run[]> {
    if (infos.length === 0) return [];
    const paramsBy = new Map<string, Record<string, string>>();
    const tagsBy = new Map<string, Record<string, string>>();
    const metricsBy = new Map<string, Record<string, number>>();
    const inputs: Array<{ run_id: string; tags_json: string; name: string; digest: string; source_type: string; source: string; schema_json: string | null; profile_json: string | null }> = [];
    // Rows as arrays: hydrating 1000 runs reads ~25,000 key/value rows.
    const collect = <V>(into: Map<string, Record<string, V>>, rows: Array<[string, string, ...unknown[]]>, value: (row: [string, string, ...unknown[]]) => V) => {
      for (const row of rows) {
        let rec = into.get(row[0]);
        if (rec === undefined) {
          rec = {};
          into.set(row[0], rec);
        }
        rec[row[1]] = value(row);
      }
    };
    for (const ids of chunks(infos.map((i) => i.runId))) {
      const inList = placeholders(ids.length);
      if (tx.dialect.name === 'postgres') {
        // One row per run with its params, tags and metrics aggregated as JSON in the query: 1000 rows come
        // back instead of ~25,000, which node-postgres otherwise spends most of a 1000-result search parsing.
        const rows = await tx.queryArrays<[string, string | null, string | null, string | null]>(
          `SELECT r.run_id,
             (SELECT json_object_agg(p.key, p.value)::text FROM tracking_params p WHERE p.run_id = r.run_id),
             (SELECT json_object_agg(t.key, t.value)::text FROM tracking_tags t WHERE t.run_id = r.run_id),
             (SELECT json_agg(json_build_array(m.key, m.value, m.is_nan))::text FROM tracking_latest_metrics m WHERE m.run_id = r.run_id)
           FROM tracking_runs r WHERE r.run_id IN (${inList})`,
          ids,
        );
        for (const [runId, params, tags, metrics] of rows) {
          if (params !== null) paramsBy.set(runId, JSON.parse(params) as Record<string, string>);
          if (tags !== null) tagsBy.set(runId, JSON.parse(tags) as Record<string, string>);
          if (metrics !== null) {
            const rec: Record<string, number> = {};
            for (const [key, value, isNan] of JSON.parse(metrics) as Array<[string, number | string | null, number | boolean]>) rec[key] = metricValue({ value: value as number | null, is_nan: isNan });
            metricsBy.set(runId, rec);
          }
        }
      } else {
        collect(paramsBy, await tx.queryArrays<[string, string, string]>(`SELECT run_id, key, value FROM tracking_params WHERE run_id IN (${inList})`, ids), (r) => r[2] as string);
        collect(tagsBy, await tx.queryArrays<[string, string, string]>(`SELECT run_id, key, value FROM tracking_tags WHERE run_id IN (${inList})`, ids), (r) => r[2] as string);
        collect(
          metricsBy,
          await tx.queryArrays<[string, string, number | null, number]>(`SELECT run_id, key, value, is_nan FROM tracking_latest_metrics WHERE run_id IN (${inList})`, ids),
          (r) => metricValue({ value: r[2] as number | null, is_nan: r[3] as number }),
        );
      }
      inputs.push(
        ...(await tx.query<(typeof inputs)[number]>(
          `SELECT i.run_id, i.tags_json, d.name, d.digest, d.source_type, d.source, d.schema_json, d.profile_json
           FROM tracking_inputs i JOIN tracking_datasets d ON d.dataset_id = i.dataset_id WHERE i.run_id IN (${inList})
           ORDER BY d.name, d.digest`,
          ids,
        )),
      );
    }
    const inputsBy = new Map<string, DatasetInput[]>();
    for (const r of inputs) {
      const list = inputsBy.get(r.run_id) ?? [];
      list.push({
        dataset: {
          name: r.name,
          digest: r.digest,
          sourceType: r.source_type,
          source: r.source,
          ...(r.schema_json !== null ? { schema: r.schema_json } : {}),
          ...(r.profile_json !== null ? { profile: r.profile_json } : {}),
        },
        tags: JSON.parse(r.tags_json) as Array<{ key: string; value: string }>,
      });
      inputsBy.set(r.run_id, list);
    }
    return infos.map((info) => ({
      info,
      data: {
        metrics: metricsBy.get(info.runId) ?? {},
        params: paramsBy.get(info.runId) ?? {},
        tags: tagsBy.get(info.runId) ?? {},
      },
      inputs: { datasetInputs: inputsBy.get(info.runId) ?? [] },
    }));
  }

  private async loadInfo(tx: SqlExecutor, runId: string): Promise<RunInfo | undefined> {
    const [row] = await tx.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM tracking_runs r WHERE r.run_id = ?`, [runId]);
    return row === undefined ? undefined : toRunInfo(row);
  }
}
