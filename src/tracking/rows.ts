import type { Experiment, LifecycleStage, Metric, RunInfo, RunStatus } from './types.js';

export interface ExperimentRow {
  experiment_id: number | string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number | string;
  last_update_time: number | string;
}

export interface RunRow {
  run_id: string;
  experiment_id: number | string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number | string;
  end_time: number | string | null;
  lifecycle_stage: string;
  artifact_uri: string;
}

export interface MetricRow {
  key: string;
  value: number | null;
  is_nan: number | boolean;
  timestamp: number | string;
  step: number | string;
}

export const RUN_COLUMNS = 'r.run_id, r.experiment_id, r.run_name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri';
export const EXPERIMENT_COLUMNS = 'e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time';

export function toExperiment(row: ExperimentRow, tags: Record<string, string>): Experiment {
  return {
    experimentId: String(row.experiment_id),
    name: row.name,
    artifactLocation: row.artifact_location,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    creationTime: Number(row.creation_time),
    lastUpdateTime: Number(row.last_update_time),
    tags,
  };
}

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_id,
    experimentId: String(row.experiment_id),
    runName: row.run_name,
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    artifactUri: row.artifact_uri,
  };
}

export function metricValue(row: Pick<MetricRow, 'value' | 'is_nan'>): number {
  return Number(row.is_nan) === 1 ? Number.NaN : Number(row.value);
}

export function toMetric(row: MetricRow): Metric {
  return { key: row.key, value: metricValue(row), timestamp: Number(row.timestamp), step: Number(row.step) };
}

/** Groups key/value rows by owner id into records. */
export function groupKeyValues<R extends { key: string }, V>(
  rows: readonly R[],
  owner: (r: R) => string,
  value: (r: R) => V,
): Map<string, Record<string, V>> {
  const out = new Map<string, Record<string, V>>();
  for (const r of rows) {
    const id = owner(r);
    let rec = out.get(id);
    if (rec === undefined) {
      rec = {};
      out.set(id, rec);
    }
    rec[r.key] = value(r);
  }
  return out;
}
