import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { SqlExecutor, SqlValue } from '../adapters/sql/types.js';
import type { TrackingContext } from './context.js';
import { LIMITS, checkInteger, checkKey, checkMetricValue, checkString, stringifyValue } from '../search/index.js';
import { placeholders } from '../search/index.js';
import { TAG_RUN_NAME, type RunStore } from './run-store.js';

export interface MetricInput {
  key: string;
  value: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
  /** Default 0. */
  step?: number;
}

export type KeyValues = Array<{ key: string; value: unknown }> | Record<string, unknown>;

export interface BatchInput {
  metrics?: MetricInput[];
  params?: KeyValues;
  tags?: KeyValues;
}

export interface NormalizedMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface NormalizedBatch {
  metrics: NormalizedMetric[];
  params: Array<[string, string]>;
  tags: Array<[string, string]>;
}

function entries(values: KeyValues | undefined, field: string): Array<[string, unknown]> {
  if (values === undefined) return [];
  if (Array.isArray(values)) {
    return values.map((kv, i) => {
      if (kv === null || typeof kv !== 'object') throw new InvalidArgumentError(`Invalid ${field}[${i}]: expected { key, value }`);
      return [kv.key, kv.value] as [string, unknown];
    });
  }
  if (values === null || typeof values !== 'object') throw new InvalidArgumentError(`Invalid ${field}: expected an object or an array of { key, value }`);
  return Object.entries(values);
}

export function normalizeMetric(m: MetricInput, field: string, now: number): NormalizedMetric {
  if (m === null || typeof m !== 'object') throw new InvalidArgumentError(`Invalid ${field}: expected { key, value, timestamp?, step? }`);
  return {
    key: checkKey(m.key, `${field}.key`),
    value: checkMetricValue(m.value, `${field}.value`),
    timestamp: m.timestamp === undefined ? now : checkInteger(m.timestamp, `${field}.timestamp`),
    step: m.step === undefined ? 0 : checkInteger(m.step, `${field}.step`),
  };
}

/** Validates a whole batch against MLflow's rules and limits before anything is written. */
export function normalizeBatch(input: BatchInput, now: number): NormalizedBatch {
  if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid logBatch: expected { metrics, params, tags }');
  if (input.metrics !== undefined && !Array.isArray(input.metrics)) throw new InvalidArgumentError('Invalid metrics: expected an array');
  const metricsIn = input.metrics ?? [];
  const paramsIn = entries(input.params, 'params');
  const tagsIn = entries(input.tags, 'tags');
  if (metricsIn.length > LIMITS.batchMetrics) throw new InvalidArgumentError(`Invalid metrics: ${metricsIn.length} metrics in one batch, the limit is ${LIMITS.batchMetrics}`);
  if (paramsIn.length > LIMITS.batchParams) throw new InvalidArgumentError(`Invalid params: ${paramsIn.length} params in one batch, the limit is ${LIMITS.batchParams}`);
  if (tagsIn.length > LIMITS.batchTags) throw new InvalidArgumentError(`Invalid tags: ${tagsIn.length} tags in one batch, the limit is ${LIMITS.batchTags}`);
  const total = metricsIn.length + paramsIn.length + tagsIn.length;
  if (total > LIMITS.batchTotal) throw new InvalidArgumentError(`Invalid batch: ${total} items, the limit is ${LIMITS.batchTotal}`);
  const metrics = metricsIn.map((m, i) => normalizeMetric(m, `metrics[${i}]`, now));
  const seen = new Set<string>();
  const params = paramsIn.map(([k, v], i): [string, string] => {
    checkKey(k, `params[${i}].key`);
    if (seen.has(k)) throw new InvalidArgumentError(`Invalid params: the key ${JSON.stringify(k)} appears twice in one batch`);
    seen.add(k);
    const value = stringifyValue(v, `params[${i}].value`);
    return [k, checkString(value, `params[${i}].value (${k})`, LIMITS.paramValue)];
  });
  // Tags: a later value for the same key wins, as in MLflow.
  const tags = new Map<string, string>();
  tagsIn.forEach(([k, v], i) => {
    checkKey(k, `tags[${i}].key`);
    const value = stringifyValue(v, `tags[${i}].value`);
    tags.set(k, checkString(value, `tags[${i}].value (${k})`, LIMITS.tagValue));
  });
  return { metrics, params, tags: [...tags] };
}

/** MLflow's order for "latest": the highest step, then the latest timestamp, then the largest value. */
export function isNewer(a: NormalizedMetric, b: NormalizedMetric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  if (Number.isNaN(a.value)) return false;
  return Number.isNaN(b.value) || a.value > b.value;
}

const LATEST_UPSERT = `ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan,
  timestamp = excluded.timestamp, step = excluded.step
  WHERE excluded.step > tracking_latest_metrics.step
     OR (excluded.step = tracking_latest_metrics.step AND excluded.timestamp > tracking_latest_metrics.timestamp)
     OR (excluded.step = tracking_latest_metrics.step AND excluded.timestamp = tracking_latest_metrics.timestamp
         AND excluded.is_nan = 0 AND (tracking_latest_metrics.is_nan = 1 OR excluded.value > tracking_latest_metrics.value))`;

function metricRow(runId: string, m: NormalizedMetric): SqlValue[] {
  const nan = Number.isNaN(m.value);
  return [runId, m.key, nan ? null : m.value, nan ? 1 : 0, m.timestamp, m.step];
}

/** Code-unit order of keys: the one lock order every process uses for a run's rows. */
function byKey(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

const METRIC_COLUMNS = ['run_id', 'key', 'value', 'is_nan', 'timestamp', 'step'];

/** Writes params, metrics and tags of one run in one transaction: all of a batch or none of it. */
export class RunWriter {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  async logBatch(runId: string, input: BatchInput): Promise<void> {
    const batch = normalizeBatch(input, this.ctx.clock.now());
    await this.write(runId, batch);
  }

  async write(runId: string, batch: NormalizedBatch): Promise<void> {
    if (batch.metrics.length + batch.params.length + batch.tags.length === 0) {
      await this.runs.getActiveInfo(runId);
      return;
    }
    // Rows are locked in key order, the same in every process: two writers logging the same keys in
    // different orders used to deadlock on PostgreSQL (3-6 per 120 batches, about 1 s of retry each).
    const params = batch.params.length > 1 ? [...batch.params].sort(byKey) : batch.params;
    const tags = batch.tags.length > 1 ? [...batch.tags].sort(byKey) : batch.tags;
    await this.ctx.sql.transaction(async (tx) => {
      await this.runs.getActiveInfo(runId, tx);
      if (params.length > 0) await this.writeParams(tx, runId, params);
      if (tags.length > 0) await this.writeTags(tx, runId, tags);
      if (batch.metrics.length > 0) await this.writeMetrics(tx, runId, batch.metrics);
    });
  }

  /**
   * Params are written once: the same value again is fine, a different one fails the batch. Insert
   * first (ON CONFLICT DO NOTHING), then compare with what is stored, inside the batch's transaction:
   * a writer racing us on the same key either committed first (we read its value) or waits for us, so
   * two processes logging the same value both succeed, and a real conflict still rolls the batch back.
   */
  private async writeParams(tx: SqlExecutor, runId: string, params: Array<[string, string]>): Promise<void> {
    await tx.insertMany('tracking_params', ['run_id', 'key', 'value'], params.map(([k, v]) => [runId, k, v]), { onConflict: 'ON CONFLICT (run_id, key) DO NOTHING' });
    const stored = await tx.query<{ key: string; value: string }>(
      `SELECT key, value FROM tracking_params WHERE run_id = ? AND key IN (${placeholders(params.length)})`,
      [runId, ...params.map(([k]) => k)],
    );
    const old = new Map(stored.map((r) => [r.key, r.value]));
    const conflicts = params.filter(([k, v]) => old.get(k) !== v);
    if (conflicts.length > 0) {
      const list = conflicts.map(([k, v]) => `${JSON.stringify(k)}: logged ${JSON.stringify(old.get(k))}, now ${JSON.stringify(v)}`).join('; ');
      throw new InvalidArgumentError(`Invalid params: a param is written once and cannot change (${list})`, {
        details: { field: 'params', conflicts: conflicts.map(([k, v]) => ({ key: k, oldValue: old.get(k), newValue: v })) },
      });
    }
  }

  private async writeTags(tx: SqlExecutor, runId: string, tags: Array<[string, string]>): Promise<void> {
    await tx.insertMany('tracking_tags', ['run_id', 'key', 'value'], tags.map(([k, v]) => [runId, k, v]), {
      onConflict: 'ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value',
    });
    const name = tags.find(([k]) => k === TAG_RUN_NAME);
    if (name !== undefined) {
      checkString(name[1], `tags.${TAG_RUN_NAME}`, LIMITS.runName);
      await tx.exec('UPDATE tracking_runs SET run_name = ? WHERE run_id = ?', [name[1], runId]);
    }
  }

  private async writeMetrics(tx: SqlExecutor, runId: string, metrics: NormalizedMetric[]): Promise<void> {
    await tx.insertMany('tracking_metrics', METRIC_COLUMNS, metrics.map((m) => metricRow(runId, m)));
    const latest = new Map<string, NormalizedMetric>();
    for (const m of metrics) {
      const cur = latest.get(m.key);
      if (cur === undefined || isNewer(m, cur)) latest.set(m.key, m);
    }
    const rows = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await tx.insertMany('tracking_latest_metrics', METRIC_COLUMNS, rows.map((m) => metricRow(runId, m)), {
      onConflict: LATEST_UPSERT,
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    checkKey(key, 'key');
    await this.ctx.sql.transaction(async (tx) => {
      await this.runs.getActiveInfo(runId, tx);
      const res = await tx.exec('DELETE FROM tracking_tags WHERE run_id = ? AND key = ?', [runId, key]);
      if (res.changes === 0) throw new NotFoundError(`Run ${runId} has no tag ${JSON.stringify(key)}`, { details: { field: 'key', value: key } });
    });
  }
}
