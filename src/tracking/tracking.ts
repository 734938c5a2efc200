import type { Readable } from 'node:stream';
import type { BlobInfo } from '../adapters/blob/types.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Principal } from '../governance/index.js';
import type { Action, Authorizer, ResourceKind } from '../governance/index.js';
import { onnxMlmodel, readOnnxSignature } from '../onnx/index.js';
import { RunArtifacts, type ArtifactSource } from './artifacts.js';
import type { TrackingContext } from './context.js';
import { RunDatasets } from './datasets.js';
import { LoggedModelStore, type CreateLoggedModelInput } from './logged-models.js';
import { ExperimentStore } from './experiment-store.js';
import { MetricBuffer, type BufferOptions } from './metric-buffer.js';
import { MetricHistory } from './metric-history.js';
import { RunHandle, type RunOperations } from './run-handle.js';
import { RunSearch } from './run-search.js';
import { RunStore, checkRunId, type CreateRunInput, type UpdateRunInput } from './run-store.js';
import { RunWriter, normalizeMetric, type BatchInput } from './run-writes.js';
import { TRACKING_MODULE, trackingMigrations } from './schema.js';
import type {
  ArtifactEntry,
  DatasetInput,
  Experiment,
  LoggedModel,
  Metric,
  MetricHistoryPage,
  Run,
  RunInfo,
  RunModels,
  RunStatus,
  SearchExperimentsOptions,
  SearchLoggedModelsOptions,
  SearchExperimentsResult,
  SearchRunsOptions,
  SearchRunsResult,
} from './types.js';

export interface LogModelOptions {
  /** The model's name in the experiment (MLflow's `name=`). */
  name?: string;
  /** An ONNX model: stored as model.onnx with an MLmodel (onnx flavor) beside it. */
  onnx?: Uint8Array;
  /** Other files of the model folder, by relative path. */
  files?: Record<string, ArtifactSource>;
  params?: Record<string, unknown>;
  tags?: Record<string, string>;
  modelType?: string;
  /** The run step the model was logged at (ModelOutput.step). Default 0. */
  step?: number;
}

export interface StartRunOptions extends CreateRunInput {
  /**
   * Batch metric points in memory and write them every `flushIntervalMs` or `maxItems` points, and on
   * end(), flush() and runtime close. `true` uses the defaults (1000 points, 1 s).
   */
  buffered?: boolean | BufferOptions;
}

/** Shared by every principal's view of one runtime: stores and the open metric buffers. */
export class TrackingEngine {
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly writer: RunWriter;
  readonly search: RunSearch;
  readonly history: MetricHistory;
  readonly artifacts: RunArtifacts;
  readonly datasets: RunDatasets;
  readonly loggedModels: LoggedModelStore;
  readonly buffers = new Map<string, MetricBuffer>();
  private exitHook: (() => void) | undefined;

  constructor(readonly ctx: TrackingContext) {
    this.experiments = new ExperimentStore(ctx);
    this.runs = new RunStore(ctx, this.experiments);
    this.writer = new RunWriter(ctx, this.runs);
    this.search = new RunSearch(ctx, this.runs);
    this.history = new MetricHistory(ctx, this.runs);
    this.artifacts = new RunArtifacts(ctx, this.runs);
    this.datasets = new RunDatasets(ctx, this.runs);
    this.loggedModels = new LoggedModelStore(ctx, this.runs);
  }

  /** Applies the tracking schema and creates the Default experiment. */
  async init(): Promise<void> {
    await this.ctx.sql.migrate(TRACKING_MODULE, trackingMigrations);
    await this.experiments.ensureDefault();
  }

  openBuffer(runId: string, options: BufferOptions): MetricBuffer {
    const buffer = new MetricBuffer(this.writer, runId, options, (err) =>
      this.ctx.events.emit('warning', { source: 'tracking', message: `Buffered metrics of run ${runId} could not be written yet; they stay queued`, cause: err }),
    );
    this.buffers.set(runId, buffer);
    if (this.exitHook === undefined) {
      // A script that ends without calling end() or close() still gets its points written.
      this.exitHook = () => {
        for (const b of this.buffers.values()) if (b.size > 0) void b.flush().catch(() => undefined);
      };
      process.on('beforeExit', this.exitHook);
    }
    return buffer;
  }

  releaseBuffer(runId: string): void {
    this.buffers.delete(runId);
  }

  /** Flushes every buffer; called before the runtime closes its stores. */
  async close(): Promise<void> {
    const results = await Promise.allSettled([...this.buffers.values()].map((b) => b.close()));
    this.buffers.clear();
    if (this.exitHook) process.off('beforeExit', this.exitHook);
    this.exitHook = undefined;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Experiment tracking with MLflow's semantics: `ml.tracking`. Runs record the acting principal as
 * their user.
 */
export class Tracking {
  private readonly ops: RunOperations;

  constructor(
    private readonly engine: TrackingEngine,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {
    this.ops = {
      logBatch: (runId, input) => this.logBatch(runId, input),
      normalizeMetrics: (metrics) => {
        const now = engine.ctx.clock.now();
        return metrics.map((m, i) => normalizeMetric(m, `metrics[${i}]`, now));
      },
      deleteTag: (runId, key) => this.deleteTag(runId, key),
      logArtifact: (runId, path, source) => this.logArtifact(runId, path, source),
      logArtifacts: (runId, dir, artifactPath) => this.logArtifacts(runId, dir, artifactPath),
      logInputs: (runId, datasets) => this.logInputs(runId, datasets),
      updateRun: (runId, input) => this.updateRun(runId, input),
      getRunInfo: (runId) => {
        this.allow('read', 'run', runId);
        return engine.runs.getInfo(runId);
      },
      releaseBuffer: (runId) => engine.releaseBuffer(runId),
      now: () => engine.ctx.clock.now(),
    };
  }

  // Experiments

  async createExperiment(input: { name: string; tags?: Record<string, string> }): Promise<Experiment> {
    this.allow('write', 'experiment', input?.name);
    return this.engine.experiments.create(input, this.principal.id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    this.allow('read', 'experiment', experimentId);
    return this.engine.experiments.get(experimentId);
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    this.allow('read', 'experiment', name);
    return this.engine.experiments.getByName(name);
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<SearchExperimentsResult> {
    this.allow('read', 'experiment', undefined);
    return this.engine.experiments.search(options);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<Experiment> {
    this.allow('write', 'experiment', experimentId);
    return this.engine.experiments.rename(experimentId, newName, this.principal.id);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.allow('write', 'experiment', experimentId);
    return this.engine.experiments.delete(experimentId, this.principal.id);
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.allow('write', 'experiment', experimentId);
    return this.engine.experiments.restore(experimentId, this.principal.id);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    this.allow('write', 'experiment', experimentId);
    return this.engine.experiments.setTag(experimentId, key, value);
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.allow('write', 'experiment', experimentId);
    return this.engine.experiments.deleteTag(experimentId, key);
  }

  // Runs

  async startRun(options: StartRunOptions = {}): Promise<RunHandle> {
    this.allow('write', 'run', undefined);
    const bufferOptions = options.buffered === true ? {} : options.buffered === false ? undefined : options.buffered;
    if (bufferOptions !== undefined && (bufferOptions === null || typeof bufferOptions !== 'object')) {
      throw new InvalidArgumentError('Invalid buffered: expected true or { maxItems, flushIntervalMs }');
    }
    const info = await this.engine.runs.create(options, this.principal.id);
    const buffer = bufferOptions === undefined ? undefined : this.engine.openBuffer(info.runId, bufferOptions);
    return new RunHandle(this.ops, info, buffer);
  }

  /** A handle on an existing run, to log more to it. */
  async resumeRun(runId: string): Promise<RunHandle> {
    this.allow('write', 'run', runId);
    return new RunHandle(this.ops, await this.engine.runs.getActiveInfo(runId));
  }

  /** Runs `fn` in a new run; ends it FINISHED, or FAILED when `fn` throws (the error is rethrown). */
  async withRun<T>(options: StartRunOptions, fn: (run: RunHandle) => Promise<T> | T): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (err) {
      await run.end('FAILED').catch(() => undefined);
      throw err;
    }
    await run.end('FINISHED');
    return result;
  }

  async getRun(runId: string): Promise<Run> {
    this.allow('read', 'run', runId);
    return this.engine.runs.get(runId);
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    this.allow('write', 'run', runId);
    return this.engine.runs.update(runId, input);
  }

  async endRun(runId: string, status: RunStatus = 'FINISHED', endTime?: number): Promise<RunInfo> {
    this.allow('write', 'run', runId);
    return this.engine.runs.update(runId, { status, endTime: endTime ?? this.engine.ctx.clock.now() });
  }

  async deleteRun(runId: string): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.runs.setStage(runId, 'deleted', this.principal.id);
  }

  async restoreRun(runId: string): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.runs.setStage(runId, 'active', this.principal.id);
  }

  async searchRuns(options: SearchRunsOptions): Promise<SearchRunsResult> {
    this.allow('read', 'run', undefined);
    return this.engine.search.search(options);
  }

  // Params, metrics, tags

  async logParam(runId: string, key: string, value: unknown): Promise<void> {
    return this.logBatch(runId, { params: [{ key, value }] });
  }

  async logMetric(runId: string, key: string, value: number, options: { step?: number; timestamp?: number } = {}): Promise<void> {
    return this.logBatch(runId, { metrics: [{ key, value, ...options }] });
  }

  async setTag(runId: string, key: string, value: unknown): Promise<void> {
    return this.logBatch(runId, { tags: [{ key, value }] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.writer.deleteTag(runId, key);
  }

  /** Metrics, params and tags in one transaction, all or nothing, within MLflow's batch limits. */
  async logBatch(runId: string, input: BatchInput): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.writer.logBatch(runId, input);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.datasets.log(runId, datasets);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    this.allow('read', 'run', runId);
    return this.engine.history.all(runId, key);
  }

  /** A metric's history reduced for charts (min/max per bucket, in SQL): at most ~maxPoints points. */
  async getMetricSeries(runId: string, key: string, options: { x?: 'step' | 'time'; maxPoints?: number } = {}): Promise<{ x: number[]; y: number[]; total: number }> {
    this.allow('read', 'run', runId);
    return this.engine.history.series(runId, key, options);
  }

  /** The latest point of every metric of each run (timestamp and step included), keyed by run id. */
  async getLatestMetrics(runIds: readonly string[]): Promise<Map<string, Metric[]>> {
    this.allow('read', 'run', undefined);
    if (!Array.isArray(runIds)) throw new InvalidArgumentError('Invalid runIds: expected an array of run ids');
    runIds.forEach((id, i) => this.allow('read', 'run', checkRunId(id, `runIds[${i}]`)));
    return this.engine.runs.latestMetrics(runIds);
  }

  async getMetricHistoryPage(runId: string, key: string, options: { maxResults?: number; pageToken?: string } = {}): Promise<MetricHistoryPage> {
    this.allow('read', 'run', runId);
    return this.engine.history.page(runId, key, options);
  }

  // Artifacts

  async logArtifact(runId: string, path: string, source: ArtifactSource): Promise<BlobInfo> {
    this.allow('write', 'run', runId);
    return this.engine.artifacts.log(runId, path, source);
  }

  async logArtifacts(runId: string, dir: string, artifactPath?: string): Promise<number> {
    this.allow('write', 'run', runId);
    return this.engine.artifacts.logDirectory(runId, dir, artifactPath);
  }

  async listArtifacts(runId: string, path?: string): Promise<ArtifactEntry[]> {
    this.allow('read', 'run', runId);
    return this.engine.artifacts.list(runId, path);
  }

  async downloadArtifact(runId: string, path: string): Promise<Uint8Array> {
    this.allow('read', 'run', runId);
    return this.engine.artifacts.download(runId, path);
  }

  async openArtifact(runId: string, path: string): Promise<Readable> {
    this.allow('read', 'run', runId);
    return this.engine.artifacts.open(runId, path);
  }

  // Logged models (MLflow 3): permissions follow the experiment that holds them.

  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    this.allow('write', 'run', input?.sourceRunId);
    return this.engine.loggedModels.create(input, this.principal.id);
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    this.allow('read', 'run', undefined);
    return this.engine.loggedModels.get(modelId);
  }

  /** Marks the upload done (`LOGGED_MODEL_READY`) or failed (`LOGGED_MODEL_UPLOAD_FAILED`). */
  async finalizeLoggedModel(modelId: string, status: LoggedModel['status'] | 'READY' | 'FAILED', statusMessage?: string): Promise<LoggedModel> {
    this.allow('write', 'run', undefined);
    return this.engine.loggedModels.finalize(modelId, status, statusMessage);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    this.allow('write', 'run', undefined);
    return this.engine.loggedModels.delete(modelId, this.principal.id);
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<{ models: LoggedModel[]; nextPageToken?: string }> {
    this.allow('read', 'run', undefined);
    return this.engine.loggedModels.search(options);
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    this.allow('write', 'run', undefined);
    return this.engine.loggedModels.setTags(modelId, tags);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    this.allow('write', 'run', undefined);
    return this.engine.loggedModels.deleteTag(modelId, key);
  }

  async logLoggedModelParams(modelId: string, params: Record<string, unknown>): Promise<void> {
    this.allow('write', 'run', undefined);
    return this.engine.loggedModels.logParams(modelId, params);
  }

  async logModelArtifact(modelId: string, path: string, source: ArtifactSource): Promise<BlobInfo> {
    this.allow('write', 'run', undefined);
    return this.engine.artifacts.putAt(await this.engine.loggedModels.root(modelId), path, source);
  }

  async listModelArtifacts(modelId: string, path?: string): Promise<ArtifactEntry[]> {
    this.allow('read', 'run', undefined);
    return this.engine.artifacts.listAt(await this.engine.loggedModels.root(modelId), path);
  }

  async openModelArtifact(modelId: string, path: string): Promise<Readable> {
    this.allow('read', 'run', undefined);
    return this.engine.artifacts.openAt(await this.engine.loggedModels.root(modelId), path);
  }

  /** Removes a file or a folder of a logged model's artifacts; the number of files removed. */
  async deleteModelArtifacts(modelId: string, path: string): Promise<number> {
    this.allow('write', 'run', undefined);
    return this.engine.artifacts.deleteAt(await this.engine.loggedModels.root(modelId), path);
  }

  /** Removes a file or a folder of a run's artifacts; the number of files removed. */
  async deleteArtifacts(runId: string, path: string): Promise<number> {
    this.allow('write', 'run', runId);
    await this.engine.runs.getActiveInfo(runId);
    return this.engine.artifacts.deleteAt(await this.engine.artifacts.runRoot(runId), path);
  }

  /** Models a run produced (MLflow 3's LogOutputs, `runs/outputs`). */
  async logOutputs(runId: string, models: Array<{ modelId: string; step?: number }>): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.loggedModels.linkRun(runId, 'output', models);
  }

  /** Models a run used (the `model_inputs` of MLflow's `runs/log-inputs`). */
  async logModelInputs(runId: string, models: Array<{ modelId: string }>): Promise<void> {
    this.allow('write', 'run', runId);
    return this.engine.loggedModels.linkRun(runId, 'input', models);
  }

  async getRunModels(runId: string): Promise<RunModels> {
    this.allow('read', 'run', runId);
    return this.engine.loggedModels.runModels(runId);
  }

  /**
   * Logs a model in one call, as `mlflow.<flavor>.log_model` does: a logged model linked to the run
   * as an output, its files uploaded, then finalized READY (UPLOAD_FAILED when an upload fails).
   * `onnx` writes `model.onnx` and an MLmodel with the onnx flavor, so MLflow clients load it too.
   */
  async logModel(run: string | { runId: string }, options: LogModelOptions): Promise<LoggedModel> {
    // Permission before validation: a principal without write learns nothing about its arguments.
    this.allow('write', 'run', undefined);
    const runId = checkRunId(typeof run === 'string' ? run : run?.runId, 'run');
    if (options === null || typeof options !== 'object') throw new InvalidArgumentError('Invalid logModel options: expected { name, onnx | files }');
    if (options.onnx === undefined && options.files === undefined) throw new InvalidArgumentError('Invalid logModel options: give onnx (model bytes) or files ({ path: bytes })');
    if (options.onnx !== undefined && !(options.onnx instanceof Uint8Array)) throw new InvalidArgumentError('Invalid onnx: expected the model as a Uint8Array');
    const files: Record<string, ArtifactSource> = { ...(options.files ?? {}) };
    let signature;
    if (options.onnx !== undefined) signature = await readOnnxSignature(options.onnx, 'onnx');
    const model = await this.createLoggedModel({
      sourceRunId: runId,
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.modelType !== undefined ? { modelType: options.modelType } : {}),
      ...(options.params !== undefined ? { params: options.params } : {}),
      ...(options.tags !== undefined ? { tags: options.tags } : {}),
    });
    try {
      if (options.onnx !== undefined && signature !== undefined) {
        files['model.onnx'] = options.onnx;
        files.MLmodel ??= new TextEncoder().encode(onnxMlmodel({ modelId: model.modelId, file: 'model.onnx', signature, createdAt: model.creationTime }));
      }
      for (const [path, source] of Object.entries(files)) await this.logModelArtifact(model.modelId, path, source);
      await this.logOutputs(runId, [{ modelId: model.modelId, step: options.step ?? 0 }]);
    } catch (err) {
      await this.engine.loggedModels.finalize(model.modelId, 'LOGGED_MODEL_UPLOAD_FAILED', String((err as Error).message).slice(0, 1000)).catch(() => undefined);
      throw err;
    }
    return this.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
  }

  private allow(action: Action, kind: ResourceKind, name: unknown): void {
    this.authz.check(this.principal, action, typeof name === 'string' ? { kind, name } : { kind });
  }
}
