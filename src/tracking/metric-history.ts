import { InvalidArgumentError } from '../core/errors.js';
import type { TrackingContext } from './context.js';
import { LIMITS, checkKey, checkMaxResults } from '../search/index.js';
import { toMetric, type MetricRow } from './rows.js';
import { checkRunId, type RunStore } from './run-store.js';
import { decodePageToken, encodePageToken, queryDigest } from '../search/index.js';
import type { Metric, MetricHistoryPage } from './types.js';

/** Every logged value of one metric, in step, then timestamp, then value order. */
export class MetricHistory {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  async page(runId: string, key: string, options: { maxResults?: number; pageToken?: string } = {}): Promise<MetricHistoryPage> {
    checkRunId(runId);
    checkKey(key, 'key');
    const maxResults = checkMaxResults(options.maxResults, 'maxResults', LIMITS.historyMaxResults, LIMITS.historyMaxResults);
    const digest = queryDigest(['history', runId, key]);
    const offset = decodePageToken(options.pageToken, digest);
    await this.runs.getInfo(runId);
    const rows = await this.ctx.sql.query<MetricRow>(
      `SELECT key, value, is_nan, timestamp, step FROM tracking_metrics WHERE run_id = ? AND key = ?
       ORDER BY step, timestamp, is_nan DESC, value LIMIT ? OFFSET ?`,
      [runId, key, maxResults + 1, offset],
    );
    const metrics = rows.slice(0, maxResults).map(toMetric);
    return rows.length > maxResults ? { metrics, nextPageToken: encodePageToken(offset + maxResults, digest) } : { metrics };
  }

  async all(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.page(runId, key, pageToken ? { pageToken } : {});
      out.push(...page.metrics);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return out;
  }

  /**
   * One metric of one run reduced to at most about `maxPoints` points for charts: the x range (step
   * or timestamp) is cut into maxPoints/2 equal buckets and each keeps its lowest and highest value
   * (min/max decimation keeps spikes that averaging would hide). Done in SQL, so 10,000 points per
   * run never leave the database. NaN points are left out.
   */
  async series(runId: string, key: string, options: { x?: 'step' | 'time'; maxPoints?: number } = {}): Promise<{ x: number[]; y: number[]; total: number }> {
    checkRunId(runId);
    checkKey(key, 'key');
    const column = options.x === 'time' ? 'timestamp' : options.x === undefined || options.x === 'step' ? 'step' : invalidX(options.x);
    const maxPoints = checkMaxResults(options.maxPoints, 'maxPoints', 20_000, 1000);
    // Two index lookups for the x range (a scan only when x is time), then one grouped pass.
    const [range] = await this.ctx.sql.queryArrays<[number | string | null, number | string | null]>(
      `SELECT (SELECT MIN(${column}) FROM tracking_metrics WHERE run_id = ? AND key = ?), (SELECT MAX(${column}) FROM tracking_metrics WHERE run_id = ? AND key = ?)`,
      [runId, key, runId, key],
    );
    if (range === undefined || range[0] === null || range[1] === null) return { x: [], y: [], total: 0 };
    const lo = Number(range[0]);
    const span = Number(range[1]) - lo + 1;
    const buckets = Math.max(1, Math.floor(maxPoints / 2));
    // The bucket is cast to an integer: drivers may bind the numbers as doubles (better-sqlite3 does).
    const rows = await this.ctx.sql.queryArrays<[number | string, number | string, number | string, number, number, number | string]>(
      `SELECT CAST(((${column} - ?) * ?) / ? AS INTEGER) AS b, MIN(${column}), MAX(${column}), MIN(value), MAX(value), COUNT(*)
       FROM tracking_metrics WHERE run_id = ? AND key = ? AND is_nan = 0 GROUP BY b ORDER BY b`,
      [lo, buckets, span, runId, key],
    );
    let total = 0;
    const x: number[] = [];
    const y: number[] = [];
    for (const [, x0, x1, y0, y1, n] of rows) {
      total += Number(n);
      x.push(Number(x0));
      y.push(Number(y0));
      if (Number(x1) !== Number(x0) || y1 !== y0) {
        x.push(Number(x1));
        y.push(Number(y1));
      }
    }
    return { x, y, total };
  }
}

function invalidX(x: unknown): never {
  throw new InvalidArgumentError(`Invalid x: ${JSON.stringify(x)} must be step or time`);
}
