import { InvalidArgumentError } from '../core/errors.js';
import type { TrackingContext } from './context.js';
import { checkExperimentId, checkViewType, lifecycleCondition } from './experiment-store.js';
import { LIMITS, checkMaxResults } from './limits.js';
import { RUN_COLUMNS, placeholders, toRunInfo, type RunRow } from './rows.js';
import type { RunStore } from './run-store.js';
import { compileFilter, compileOrder } from './search/compile.js';
import { decodePageToken, encodePageToken, queryDigest } from './search/page-token.js';
import { parseFilter, parseOrderBy } from './search/parser.js';
import { RUN_SEARCH_SCHEMA, RUN_SQL_ENTITY } from './search-entities.js';
import type { SearchRunsOptions, SearchRunsResult } from './types.js';

/**
 * searchRuns: the filter is parsed to an AST and compiled to parameterised SQL (no user text is ever
 * part of the SQL), ordered totally (caller's terms, then start_time DESC, run_id) so that page
 * tokens are stable.
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
    const maxResults = checkMaxResults(options.maxResults, 'maxResults', LIMITS.searchMaxResults, LIMITS.searchDefaultResults);
    const expr = parseFilter(options.filter, RUN_SEARCH_SCHEMA);
    const order = parseOrderBy(options.orderBy, RUN_SEARCH_SCHEMA);
    const digest = queryDigest(['runs', [...experimentIds].sort(), options.filter ?? '', options.orderBy ?? [], view]);
    const offset = decodePageToken(options.pageToken, digest);
    const dialect = this.ctx.sql.dialect.name;
    const where = compileFilter(expr, RUN_SQL_ENTITY, dialect);
    const ord = compileOrder(order, RUN_SQL_ENTITY, dialect);
    const rows = await this.ctx.sql.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM tracking_runs r ${ord.joins}
       WHERE r.experiment_id IN (${placeholders(experimentIds.length)}) AND ${lifecycleCondition('r', view)} AND ${where.sql}
       ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...experimentIds, ...where.params, maxResults + 1, offset],
    );
    const page = rows.slice(0, maxResults).map(toRunInfo);
    const runs = await this.runs.hydrate(page);
    return rows.length > maxResults ? { runs, nextPageToken: encodePageToken(offset + maxResults, digest) } : { runs };
  }
}
