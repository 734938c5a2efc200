import type { BlobInfo } from '../adapters/blob/types.js';
import type { ArtifactSource } from './artifacts.js';
import type { MetricBuffer } from './metric-buffer.js';
import type { BatchInput, NormalizedMetric } from './run-writes.js';
import type { DatasetInput, RunInfo, RunStatus } from './types.js';

/** The operations a handle delegates to; implemented by Tracking. */
export interface RunOperations {
  logBatch(runId: string, input: BatchInput): Promise<void>;
  normalizeMetrics(metrics: Array<{ key: string; value: number; step?: number; timestamp?: number }>): NormalizedMetric[];
  deleteTag(runId: string, key: string): Promise<void>;
  logArtifact(runId: string, path: string, source: ArtifactSource): Promise<BlobInfo>;
  logArtifacts(runId: string, dir: string, artifactPath?: string): Promise<number>;
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  updateRun(runId: string, input: { status?: RunStatus; endTime?: number; name?: string }): Promise<RunInfo>;
  getRunInfo(runId: string): Promise<RunInfo>;
  releaseBuffer(runId: string): void;
  now(): number;
}

export interface MetricOptions {
  step?: number;
  timestamp?: number;
}

/** A started run: log to it, then end it. Metrics go straight to the store unless the run is buffered. */
export class RunHandle {
  constructor(
    private readonly ops: RunOperations,
    private current: RunInfo,
    private readonly buffer?: MetricBuffer,
  ) {}

  get runId(): string {
    return this.current.runId;
  }

  /** The run's info as of the last call that changed it (start, end, rename). */
  get info(): RunInfo {
    return this.current;
  }

  logParam(key: string, value: unknown): Promise<void> {
    return this.ops.logBatch(this.runId, { params: [{ key, value }] });
  }

  logParams(params: Record<string, unknown>): Promise<void> {
    return this.ops.logBatch(this.runId, { params });
  }

  logMetric(key: string, value: number, options: MetricOptions = {}): Promise<void> {
    return this.logMetricList([{ key, value, ...options }]);
  }

  logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): Promise<void> {
    return this.logMetricList(Object.entries(metrics).map(([key, value]) => ({ key, value, ...options })));
  }

  setTag(key: string, value: unknown): Promise<void> {
    return this.ops.logBatch(this.runId, { tags: [{ key, value }] });
  }

  setTags(tags: Record<string, unknown>): Promise<void> {
    return this.ops.logBatch(this.runId, { tags });
  }

  deleteTag(key: string): Promise<void> {
    return this.ops.deleteTag(this.runId, key);
  }

  /** Metrics, params and tags in one transaction: all or nothing (MLflow's limits apply). */
  logBatch(input: BatchInput): Promise<void> {
    return this.ops.logBatch(this.runId, input);
  }

  logArtifact(path: string, source: ArtifactSource): Promise<BlobInfo> {
    return this.ops.logArtifact(this.runId, path, source);
  }

  logArtifacts(dir: string, artifactPath?: string): Promise<number> {
    return this.ops.logArtifacts(this.runId, dir, artifactPath);
  }

  logInputs(datasets: DatasetInput[]): Promise<void> {
    return this.ops.logInputs(this.runId, datasets);
  }

  /** Writes buffered metric points now. */
  async flush(): Promise<void> {
    await this.buffer?.flush();
  }

  /** Flushes buffered points, then records the final status and end time. */
  async end(status: RunStatus = 'FINISHED', options: { endTime?: number } = {}): Promise<RunInfo> {
    if (this.buffer) {
      await this.buffer.close();
      this.ops.releaseBuffer(this.runId);
    }
    this.current = await this.ops.updateRun(this.runId, { status, endTime: options.endTime ?? this.ops.now() });
    return this.current;
  }

  async refresh(): Promise<RunInfo> {
    this.current = await this.ops.getRunInfo(this.runId);
    return this.current;
  }

  private async logMetricList(metrics: Array<{ key: string; value: number; step?: number; timestamp?: number }>): Promise<void> {
    if (this.buffer) {
      await this.buffer.add(this.ops.normalizeMetrics(metrics));
      return;
    }
    await this.ops.logBatch(this.runId, { metrics });
  }
}
