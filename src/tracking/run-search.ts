import { InvalidArgumentError } from '../core/errors.js';
import type { SqlValue } from '../adapters/sql/types.js';
import type { TrackingContext } from './context.js';
import { checkExperimentId, checkViewType, lifecycleCondition } from './experiment-store.js';
import { LIMITS } from '../search/index.js';
import { RUN_COLUMNS, toRunInfo, type RunRow } from './rows.js';
import { placeholders } from '../search/index.js';
import type { RunStore } from './run-store.js';
import type { OrderTerm } from '../search/index.js';
import { compileDriver, compileFilter, compileOrder, topLevelConjuncts, type Compiled, type DriverCondition } from '../search/index.js';
import { planSearch } from '../search/index.js';
import { RUN_SEARCH_SCHEMA, RUN_SQL_ENTITY } from './search-entities.js';
import type { SearchRunsOptions, SearchRunsResult } from './types.js';

/**
 * Planner settings. A filter matching fewer index entries than `selectiveThreshold` starts the query
 * from those entries. Tests lower it to 0 to exercise the other plans on small data.
 */
export const searchTuning = { selectiveThreshold: 3000, estimateOnPostgres: false };

interface Query {
  scope: Compiled;
  where: Compiled;
  order: OrderTerm[];
  offset: number;
  limit: number;
}

/**
 * searchRuns: the filter is parsed to an AST and compiled to parameterised SQL (no user text is ever
 * part of the SQL), ordered totally (caller's terms, then start_time DESC, run_id) so that page
 * tokens are stable. Three plans, so that 100k-run experiments answer in milliseconds:
 *  - a selective indexable condition (metric range, param equality) starts from its index entries
 *    (SQLite; PostgreSQL's cost-based planner makes that choice itself from its statistics);
 *  - else, ordering by a metric walks that metric's (key, value) index and stops at the page end
 *    (runs without the metric follow, as a second segment);
 *  - else the runs are walked in start_time order, which their index gives.
 */
export class RunSearch {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  async search(options: SearchRunsOptions): Promise<SearchRunsResult> {
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('Invalid searchRuns: expected an options object');
    if (!Array.isArray(options.experimentIds) || options.experimentIds.length === 0) {
      throw new InvalidArgumentError('Invalid experimentIds: give at least one experiment id');
    }
    if (options.experimentIds.length > 1000) throw new InvalidArgumentError('Invalid experimentIds: at most 1000');
    const experimentIds = options.experimentIds.map((id, i) => checkExperimentId(id, `experimentIds[${i}]`));
    const view = checkViewType(options.viewType);
    const plan = planSearch(options, { schema: RUN_SEARCH_SCHEMA, scope: { name: 'runs', before: [[...experimentIds].sort()], after: [view] }, defaultResults: LIMITS.searchDefaultResults });
    const { expr, order, offset } = plan;
    const dialect = this.ctx.sql.dialect.name;
    const query: Query = {
      scope: { sql: `r.experiment_id IN (${placeholders(experimentIds.length)}) AND ${lifecycleCondition('r', view)}`, params: experimentIds },
      where: compileFilter(expr, RUN_SQL_ENTITY, dialect),
      order,
      offset,
      limit: plan.limit,
    };

    let rows: RunRow[] | undefined;
    const driver = await this.selectiveDriver(topLevelConjuncts(expr));
    if (driver !== undefined) rows = await this.fromDriver(query, driver);
    else if (order[0]?.field.kind === 'metric') rows = await this.byMetricIndex(query);
    else rows = await this.plain(query, '');

    const page = plan.page(rows);
    const runs = await this.runs.hydrate(page.rows.map(toRunInfo));
    return page.nextPageToken !== undefined ? { runs, nextPageToken: page.nextPageToken } : { runs };
  }

  /** The most selective index-answerable conjunct, when it matches few enough entries. */
  private async selectiveDriver(conjuncts: ReturnType<typeof topLevelConjuncts>): Promise<DriverCondition | undefined> {
    let best: { driver: DriverCondition; count: number } | undefined;
    const cap = searchTuning.selectiveThreshold;
    // PostgreSQL's planner weighs selectivity from its own statistics; SQLite's needs this hint.
    if (cap <= 0 || (this.ctx.sql.dialect.name === 'postgres' && !searchTuning.estimateOnPostgres)) return undefined;
    for (const conjunct of conjuncts.slice(0, 4)) {
      const driver = compileDriver(conjunct, RUN_SQL_ENTITY);
      if (driver === undefined) continue;
      const [row] = await this.ctx.sql.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${driver.table} d WHERE ${driver.sql} LIMIT ${Math.floor(cap)}) t`,
        driver.params,
      );
      const count = Number(row?.n ?? cap);
      if (count < cap && (best === undefined || count < best.count)) best = { driver, count };
    }
    return best?.driver;
  }

  private async fromDriver(q: Query, d: DriverCondition): Promise<RunRow[]> {
    const dialect = this.ctx.sql.dialect.name;
    const ord = compileOrder(q.order, RUN_SQL_ENTITY, dialect);
    // CROSS JOIN fixes the join order on SQLite (the driver's index first); PostgreSQL plans by cost.
    return this.ctx.sql.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM ${d.table} d CROSS JOIN tracking_runs r ${ord.joins}
       WHERE ${d.sql} AND r.run_id = d.${d.fk} AND ${q.scope.sql} AND ${q.where.sql}
       ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...d.params, ...q.scope.params, ...q.where.params, q.limit, q.offset],
    );
  }

  /** Runs with the metric, walked in index order; then the runs without it. */
  private async byMetricIndex(q: Query): Promise<RunRow[]> {
    const dialect = this.ctx.sql.dialect.name;
    const [first, ...rest] = q.order as [OrderTerm, ...OrderTerm[]];
    const ord = compileOrder(rest, RUN_SQL_ENTITY, dialect, 'ob');
    const dir = first.descending ? 'DESC' : 'ASC';
    const segmentA = `FROM tracking_latest_metrics m0 CROSS JOIN tracking_runs r ${ord.joins}
       WHERE m0.key = ? AND m0.value IS NOT NULL AND r.run_id = m0.run_id AND ${q.scope.sql} AND ${q.where.sql}`;
    const paramsA: SqlValue[] = [...ord.joinParams, first.field.key, ...q.scope.params, ...q.where.params];
    const rows = await this.ctx.sql.query<RunRow>(`SELECT ${RUN_COLUMNS} ${segmentA} ORDER BY m0.value ${dir}, ${ord.orderBy} LIMIT ? OFFSET ?`, [
      ...paramsA,
      q.limit,
      q.offset,
    ]);
    if (rows.length >= q.limit) return rows;
    let countA = q.offset + rows.length;
    if (rows.length === 0 && q.offset > 0) {
      const [row] = await this.ctx.sql.query<{ n: number }>(`SELECT COUNT(*) AS n ${segmentA}`, paramsA);
      countA = Number(row?.n ?? 0);
    }
    const missing = `NOT EXISTS (SELECT 1 FROM tracking_latest_metrics x WHERE x.run_id = r.run_id AND x.key = ? AND x.value IS NOT NULL)`;
    const rowsB = await this.plain(
      { ...q, order: rest, offset: Math.max(0, q.offset - countA), limit: q.limit - rows.length },
      missing,
      [first.field.key],
    );
    return [...rows, ...rowsB];
  }

  private plain(q: Query, extra: string, extraParams: SqlValue[] = []): Promise<RunRow[]> {
    const ord = compileOrder(q.order, RUN_SQL_ENTITY, this.ctx.sql.dialect.name);
    return this.ctx.sql.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM tracking_runs r ${ord.joins}
       WHERE ${q.scope.sql} AND ${q.where.sql}${extra ? ` AND ${extra}` : ''}
       ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...q.scope.params, ...q.where.params, ...extraParams, q.limit, q.offset],
    );
  }
}
