/** Run states, as MLflow's RunStatus. */
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const LIFECYCLE_STAGES = ['active', 'deleted'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Which records a search returns, as MLflow's ViewType. */
export const VIEW_TYPES = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;
export type ViewType = (typeof VIEW_TYPES)[number];

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  artifactUri: string;
}

export interface RunData {
  /** Latest value per key: the highest step, then the latest timestamp, then the largest value. */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Array<{ key: string; value: string }>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: { datasetInputs: DatasetInput[] };
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** MLflow's filter grammar plus OR, parentheses and IS [NOT] NULL. */
  filter?: string;
  /** e.g. `['metrics.auc DESC', 'params.lr']`. */
  orderBy?: string[];
  /** Default 1000, at most 50,000. */
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface SearchRunsResult {
  runs: Run[];
  nextPageToken?: string;
}

export interface SearchExperimentsOptions {
  /** `name`, `creation_time`, `last_update_time` and `tags.<key>` with the same grammar as runs. */
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface SearchExperimentsResult {
  experiments: Experiment[];
  nextPageToken?: string;
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root. */
  path: string;
  isDir: boolean;
  /** Bytes; absent for folders. */
  fileSize?: number;
}

export interface MetricHistoryPage {
  metrics: Metric[];
  nextPageToken?: string;
}

/** A logged model's life, as MLflow 3's LoggedModelStatus. */
export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

/**
 * A model logged to an experiment (MLflow 3's LoggedModel): a folder of files under
 * `<experiment>/models/<modelId>/artifacts`, with params and tags, optionally from a run.
 */
export interface LoggedModel {
  /** `m-` and 32 hex characters, as MLflow makes them. */
  modelId: string;
  experimentId: string;
  name: string;
  /** URI of the model's folder in the artifact store. */
  artifactLocation: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  creatorId: string;
  creationTime: number;
  lastUpdatedTime: number;
  tags: Record<string, string>;
  params: Record<string, string>;
}

export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  /** `name`, `model_id`, `status`, `source_run_id`, `model_type`, `creation_timestamp`, `last_updated_timestamp`, `tags.<key>`, `params.<key>`. */
  filter?: string;
  /** Default `creation_timestamp DESC`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** Models a run produced (MLflow's ModelOutput) and consumed (ModelInput). */
export interface RunModels {
  outputs: Array<{ modelId: string; step: number }>;
  inputs: Array<{ modelId: string }>;
}
