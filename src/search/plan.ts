import type { FilterExpr, OrderTerm, SearchSchema } from './ast.js';
import { LIMITS, checkMaxResults } from './limits.js';
import { decodePageToken, encodePageToken, queryDigest } from './page-token.js';
import { parseFilter, parseOrderBy } from './parser.js';

/** What every MLflow-style search takes. */
export interface SearchRequest {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** A search checked and parsed, with its page: what a store compiles to SQL and runs. */
export interface SearchPlan {
  expr: FilterExpr | undefined;
  order: OrderTerm[];
  maxResults: number;
  offset: number;
  /** Rows to fetch: one more than a page, to know whether another page follows. */
  limit: number;
  /** Cuts the fetched rows to a page and makes the token for the next one, if any. */
  page<T>(rows: readonly T[]): { rows: T[]; nextPageToken?: string };
}

/**
 * Parse → digest → page, written once for every search (runs, experiments, registered models,
 * versions). `scope` names the search and what besides filter and order selects its rows (experiment
 * ids, a view type): a page token is refused by any other query. The digest's parts are those the
 * stores used before this helper, so tokens handed out earlier stay valid.
 */
export function planSearch(
  request: SearchRequest,
  spec: { schema: SearchSchema; scope: { name: string; before?: unknown[]; after?: unknown[] }; defaultResults: number },
): SearchPlan {
  const maxResults = checkMaxResults(request.maxResults, 'maxResults', LIMITS.searchMaxResults, spec.defaultResults);
  const expr = parseFilter(request.filter, spec.schema);
  const order = parseOrderBy(request.orderBy, spec.schema);
  const digest = queryDigest([spec.scope.name, ...(spec.scope.before ?? []), request.filter ?? '', request.orderBy ?? [], ...(spec.scope.after ?? [])]);
  const offset = decodePageToken(request.pageToken, digest);
  return {
    expr,
    order,
    maxResults,
    offset,
    limit: maxResults + 1,
    page: (rows) => {
      const page = rows.slice(0, maxResults);
      return rows.length > maxResults ? { rows: page, nextPageToken: encodePageToken(offset + maxResults, digest) } : { rows: page };
    },
  };
}
