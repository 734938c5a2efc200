import { InvalidArgumentError } from '../../core/errors.js';
import type { ApprovalEvent, ModelVersion, RegisteredModel } from '../../registry/types.js';
import type { ArtifactEntry, DatasetInput, Experiment, LoggedModel, Metric, Run, RunInfo, RunModels } from '../../tracking/types.js';

/** Objects as MLflow's protos serialise them to JSON: snake_case, key/value lists, unset fields left out. */
export type Json = Record<string, unknown>;

export function keyValues(record: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** MLflow sends tags as `[{ key, value }]`; a missing list is an empty one. */
export function fromKeyValues(list: unknown, field: string): Record<string, string> {
  if (list === undefined || list === null) return {};
  if (!Array.isArray(list)) return invalid(field, list);
  const out: Record<string, string> = {};
  list.forEach((kv: unknown, i) => {
    const e = kv as { key?: unknown; value?: unknown } | null;
    if (e === null || typeof e !== 'object' || typeof e.key !== 'string') return invalid(`${field}[${i}].key`, e?.key);
    out[e.key] = e.value === undefined || e.value === null ? '' : String(e.value);
  });
  return out;
}

function invalid(field: string, value: unknown): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} (expected a list of { key, value })`);
}

/** Turns a store URI into the URI clients see (`mlflow-artifacts:/…`); identity when not given. */
export type UriMapper = (uri: string) => string;
const same: UriMapper = (uri) => uri;

export function experimentJson(e: Experiment, uri: UriMapper = same): Json {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: uri(e.artifactLocation),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: keyValues(e.tags),
  };
}

export function runInfoJson(i: RunInfo, uri: UriMapper = same): Json {
  return {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    ...(i.endTime !== null ? { end_time: i.endTime } : {}),
    artifact_uri: uri(i.artifactUri),
    lifecycle_stage: i.lifecycleStage,
  };
}

/**
 * JSON has no NaN or infinities: JSON.stringify would write null, and then NaN, +Infinity and
 * -Infinity cannot be told apart. They go out as the strings "NaN", "Infinity" and "-Infinity",
 * proto3's JSON form for doubles: MLflow's Python client (protobuf's ParseDict) and our own
 * log-metric/log-batch read them back as numbers, and JSON.parse keeps working for JS clients.
 */
function doubleJson(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

export function metricJson(m: Metric): Json {
  return { key: m.key, value: doubleJson(m.value), timestamp: m.timestamp, step: m.step };
}

function datasetInputJson(d: DatasetInput): Json {
  return {
    tags: d.tags,
    dataset: {
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      ...(d.dataset.schema !== undefined ? { schema: d.dataset.schema } : {}),
      ...(d.dataset.profile !== undefined ? { profile: d.dataset.profile } : {}),
    },
  };
}

/** A run with its latest metrics as full points (MLflow's `data.metrics`), and its models when known. */
export function runJson(run: Run, latest: Metric[], uri: UriMapper = same, models?: RunModels): Json {
  return {
    info: runInfoJson(run.info, uri),
    data: { metrics: latest.map(metricJson), params: keyValues(run.data.params), tags: keyValues(run.data.tags) },
    inputs: {
      dataset_inputs: run.inputs.datasetInputs.map(datasetInputJson),
      ...(models !== undefined ? { model_inputs: models.inputs.map((m) => ({ model_id: m.modelId })) } : {}),
    },
    ...(models !== undefined ? { outputs: { model_outputs: models.outputs.map((m) => ({ model_id: m.modelId, step: m.step })) } } : {}),
  };
}

/**
 * MLflow 3's LoggedModel. `creator_id` is left out: MLflow types it int64 and our creators are
 * principal ids, which its client could not parse; the creator is in the `mlflow.user` tag instead.
 */
export function loggedModelJson(m: LoggedModel, uri: UriMapper = same): Json {
  return {
    info: {
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTime,
      last_updated_timestamp_ms: m.lastUpdatedTime,
      artifact_uri: uri(m.artifactLocation),
      status: m.status,
      ...(m.statusMessage !== undefined ? { status_message: m.statusMessage } : {}),
      ...(m.modelType !== undefined ? { model_type: m.modelType } : {}),
      ...(m.sourceRunId !== undefined ? { source_run_id: m.sourceRunId } : {}),
      tags: keyValues({ 'mlflow.user': m.creatorId, ...m.tags }),
    },
    data: { params: keyValues(m.params), metrics: [] },
  };
}

export function fileInfoJson(f: ArtifactEntry): Json {
  return { path: f.path, is_dir: f.isDir, ...(f.fileSize !== undefined ? { file_size: f.fileSize } : {}) };
}

export function modelVersionJson(v: ModelVersion): Json {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    user_id: v.createdBy,
    current_stage: 'None',
    description: v.description,
    source: v.source,
    ...(v.runId !== undefined ? { run_id: v.runId } : {}),
    ...(v.modelId !== undefined ? { model_id: v.modelId } : {}),
    status: v.status,
    ...(v.statusMessage !== undefined ? { status_message: v.statusMessage } : {}),
    tags: keyValues(v.tags),
    aliases: v.aliases,
    // Beyond MLflow: governance state, for clients that know to look.
    approval: v.approval,
    sha256: v.sha256,
  };
}

export function registeredModelJson(m: RegisteredModel, latest: ModelVersion[] = []): Json {
  return {
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    user_id: m.createdBy,
    description: m.description,
    latest_versions: latest.map(modelVersionJson),
    tags: keyValues(m.tags),
    aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  };
}

export function approvalEventJson(e: ApprovalEvent): Json {
  return { from: e.from, to: e.to, actor: e.actor, timestamp: e.ts, ...(e.reason !== undefined ? { reason: e.reason } : {}) };
}
