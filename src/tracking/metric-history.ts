import type { TrackingContext } from './context.js';
import { LIMITS, checkKey, checkMaxResults } from './limits.js';
import { toMetric, type MetricRow } from './rows.js';
import { checkRunId, type RunStore } from './run-store.js';
import { decodePageToken, encodePageToken, queryDigest } from './search/page-token.js';
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
}
