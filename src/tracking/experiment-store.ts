import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import type { TrackingContext } from './context.js';
import { LIMITS, checkKey, checkString, checkTagRecord } from '../search/index.js';
import { EXPERIMENT_COLUMNS, groupKeyValues, toExperiment, type ExperimentRow } from './rows.js';
import { chunks, placeholders } from '../search/index.js';
import { compileFilter, compileOrder } from '../search/index.js';
import { planSearch } from '../search/index.js';
import { EXPERIMENT_SEARCH_SCHEMA, EXPERIMENT_SQL_ENTITY } from './search-entities.js';
import { VIEW_TYPES, type Experiment, type SearchExperimentsOptions, type SearchExperimentsResult, type ViewType } from './types.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

export function checkExperimentId(id: unknown, field = 'experimentId'): number {
  if (typeof id !== 'string' || !/^\d{1,18}$/.test(id)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(id)} is not an experiment id (a string of digits)`);
  }
  return Number(id);
}

export function checkViewType(value: unknown): ViewType {
  if (value === undefined) return 'ACTIVE_ONLY';
  if (typeof value !== 'string' || !(VIEW_TYPES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`Invalid viewType: ${JSON.stringify(value)} must be one of ${VIEW_TYPES.join(', ')}`);
  }
  return value as ViewType;
}

export function lifecycleCondition(alias: string, view: ViewType): string {
  if (view === 'ACTIVE_ONLY') return `${alias}.lifecycle_stage = 'active'`;
  if (view === 'DELETED_ONLY') return `${alias}.lifecycle_stage = 'deleted'`;
  return '1 = 1';
}

function checkName(name: unknown, field = 'name'): string {
  checkString(name, field, LIMITS.experimentName);
  if ((name as string).trim() === '') throw new InvalidArgumentError(`Invalid ${field}: an experiment name must not be blank`);
  return name as string;
}

function checkTags(tags: unknown, field: string): Array<[string, string]> {
  return checkTagRecord(tags, field, LIMITS.experimentTagValue);
}

/** Locks an experiment's row until the transaction ends, before reading the state an audit record describes. */
async function lockExperiment(tx: SqlExecutor, id: number): Promise<void> {
  await tx.query(`SELECT experiment_id FROM tracking_experiments WHERE experiment_id = ?${tx.dialect.forUpdate}`, [id]);
}

/** Experiments: unique names, soft delete and restore, tags, search. */
export class ExperimentStore {
  constructor(private readonly ctx: TrackingContext) {}

  /** MLflow's "Default" experiment, id 0, created once. */
  async ensureDefault(): Promise<void> {
    const now = this.ctx.clock.now();
    await this.ctx.sql.exec(
      `INSERT INTO tracking_experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
       VALUES (0, ?, ?, 'active', ?, ?) ON CONFLICT DO NOTHING`,
      [DEFAULT_EXPERIMENT_NAME, `${this.ctx.blobs.uri}/0`, now, now],
    );
  }

  async create(input: { name: string; tags?: Record<string, string> }, actor: string): Promise<Experiment> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid createExperiment: expected { name }');
    const name = checkName(input.name);
    const tags = checkTags(input.tags, 'tags');
    const now = this.ctx.clock.now();
    try {
      const id = await this.ctx.sql.transaction(async (tx) => {
        const [row] = await tx.query<{ experiment_id: number }>(
          `INSERT INTO tracking_experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time)
           VALUES (?, '', 'active', ?, ?) RETURNING experiment_id`,
          [name, now, now],
        );
        const experimentId = String(row?.experiment_id);
        await tx.exec('UPDATE tracking_experiments SET artifact_location = ? WHERE experiment_id = ?', [
          `${this.ctx.blobs.uri}/${experimentId}`,
          Number(experimentId),
        ]);
        if (tags.length > 0) {
          await tx.insertMany('tracking_experiment_tags', ['experiment_id', 'key', 'value'], tags.map(([k, v]) => [Number(experimentId), k, v]));
        }
        await this.ctx.audit.append(tx, {
          actor,
          action: 'experiment.create',
          resourceKind: 'experiment',
          resource: experimentId,
          after: { name, tags: Object.fromEntries(tags) },
          details: { name },
        });
        return experimentId;
      });
      return await this.get(id);
    } catch (err) {
      if (err instanceof AlreadyExistsError) {
        throw new AlreadyExistsError(`Experiment ${JSON.stringify(name)} already exists`, { cause: err, details: { field: 'name', value: name } });
      }
      throw err;
    }
  }

  async get(experimentId: string): Promise<Experiment> {
    const id = checkExperimentId(experimentId);
    const found = await this.load(this.ctx.sql, `e.experiment_id = ?`, [id]);
    if (found === undefined) throw new NotFoundError(`No experiment with id ${JSON.stringify(experimentId)}`, { details: { field: 'experimentId', value: experimentId } });
    return found;
  }

  async getByName(name: string): Promise<Experiment> {
    checkName(name);
    const found = await this.load(this.ctx.sql, `e.name = ?`, [name]);
    if (found === undefined) throw new NotFoundError(`No experiment named ${JSON.stringify(name)}`, { details: { field: 'name', value: name } });
    return found;
  }

  /** The experiment, refusing one that is deleted (for writes into it). */
  async getActive(experimentId: string, tx: SqlExecutor = this.ctx.sql): Promise<Experiment> {
    const id = checkExperimentId(experimentId);
    const found = await this.load(tx, `e.experiment_id = ?`, [id]);
    if (found === undefined) throw new NotFoundError(`No experiment with id ${JSON.stringify(experimentId)}`);
    if (found.lifecycleStage !== 'active') {
      throw new FailedPreconditionError(`Experiment ${JSON.stringify(experimentId)} is deleted; restore it first`);
    }
    return found;
  }

  async rename(experimentId: string, newName: string, actor: string): Promise<Experiment> {
    const name = checkName(newName, 'newName');
    try {
      await this.ctx.sql.transaction(async (tx) => {
        await lockExperiment(tx, checkExperimentId(experimentId));
        const before = await this.getActive(experimentId, tx);
        await tx.exec('UPDATE tracking_experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [
          name,
          this.ctx.clock.now(),
          Number(experimentId),
        ]);
        await this.ctx.audit.append(tx, {
          actor,
          action: 'experiment.rename',
          resourceKind: 'experiment',
          resource: experimentId,
          before: { name: before.name },
          after: { name },
          details: { from: before.name, to: name },
        });
      });
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new AlreadyExistsError(`Experiment ${JSON.stringify(name)} already exists`, { cause: err });
      throw err;
    }
    return this.get(experimentId);
  }

  /** Soft delete: the experiment and its runs move to the 'deleted' stage and can be restored. */
  async delete(experimentId: string, actor: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) throw new FailedPreconditionError('The default experiment (id 0) cannot be deleted');
    await this.setStage(experimentId, 'deleted', actor);
  }

  async restore(experimentId: string, actor: string): Promise<void> {
    await this.setStage(experimentId, 'active', actor);
  }

  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    const [[k, v]] = checkTags({ [checkKey(key, 'key')]: value }, 'tag') as [[string, string]];
    await this.getActive(experimentId);
    await this.ctx.sql.exec(
      'INSERT INTO tracking_experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
      [Number(experimentId), k, v],
    );
  }

  async deleteTag(experimentId: string, key: string): Promise<void> {
    checkKey(key, 'key');
    await this.getActive(experimentId);
    const res = await this.ctx.sql.exec('DELETE FROM tracking_experiment_tags WHERE experiment_id = ? AND key = ?', [Number(experimentId), key]);
    if (res.changes === 0) throw new NotFoundError(`Experiment ${experimentId} has no tag ${JSON.stringify(key)}`);
  }

  async search(options: SearchExperimentsOptions = {}): Promise<SearchExperimentsResult> {
    const view = checkViewType(options.viewType);
    const plan = planSearch(options, { schema: EXPERIMENT_SEARCH_SCHEMA, scope: { name: 'experiments', after: [view] }, defaultResults: LIMITS.searchDefaultResults });
    const dialect = this.ctx.sql.dialect.name;
    const where = compileFilter(plan.expr, EXPERIMENT_SQL_ENTITY, dialect);
    const ord = compileOrder(plan.order, EXPERIMENT_SQL_ENTITY, dialect);
    const rows = await this.ctx.sql.query<ExperimentRow>(
      `SELECT ${EXPERIMENT_COLUMNS} FROM tracking_experiments e ${ord.joins}
       WHERE ${lifecycleCondition('e', view)} AND ${where.sql}
       ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...where.params, plan.limit, plan.offset],
    );
    const page = plan.page(rows);
    const experiments = await this.withTags(page.rows);
    return page.nextPageToken !== undefined ? { experiments, nextPageToken: page.nextPageToken } : { experiments };
  }

  private async setStage(experimentId: string, stage: 'active' | 'deleted', actor: string): Promise<void> {
    const id = checkExperimentId(experimentId);
    const now = this.ctx.clock.now();
    await this.ctx.sql.transaction(async (tx) => {
      await lockExperiment(tx, id);
      const found = await this.load(tx, 'e.experiment_id = ?', [id]);
      if (found === undefined) throw new NotFoundError(`No experiment with id ${JSON.stringify(experimentId)}`);
      await tx.exec('UPDATE tracking_experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?', [stage, now, id]);
      // The experiment's runs follow it, as in MLflow.
      await tx.exec('UPDATE tracking_runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?', [
        stage,
        stage === 'deleted' ? now : null,
        id,
      ]);
      await this.ctx.audit.append(tx, {
        actor,
        action: stage === 'deleted' ? 'experiment.delete' : 'experiment.restore',
        resourceKind: 'experiment',
        resource: experimentId,
        before: { lifecycleStage: found.lifecycleStage },
        after: { lifecycleStage: stage },
      });
    });
  }

  private async load(tx: SqlExecutor, where: string, params: Array<string | number>): Promise<Experiment | undefined> {
    const rows = await tx.query<ExperimentRow>(`SELECT ${EXPERIMENT_COLUMNS} FROM tracking_experiments e WHERE ${where}`, params);
    const [withTags] = await this.withTags(rows, tx);
    return withTags;
  }

  private async withTags(rows: ExperimentRow[], tx: SqlExecutor = this.ctx.sql): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const tagRows: Array<{ experiment_id: number; key: string; value: string }> = [];
    for (const ids of chunks(rows.map((r) => Number(r.experiment_id)))) {
      tagRows.push(
        ...(await tx.query<{ experiment_id: number; key: string; value: string }>(
          `SELECT experiment_id, key, value FROM tracking_experiment_tags WHERE experiment_id IN (${placeholders(ids.length)})`,
          ids,
        )),
      );
    }
    const tags = groupKeyValues(tagRows, (r) => String(r.experiment_id), (r) => r.value);
    return rows.map((r) => toExperiment(r, tags.get(String(r.experiment_id)) ?? {}));
  }
}
