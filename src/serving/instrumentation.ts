import type { Tensor } from 'onnxruntime-node';
import { DeferredCounter, DeferredObserver, SampledGauge, type MetricsRegistry } from '../core/metrics.js';
import type { DriftMonitor } from '../monitoring/index.js';
import type { Outputs } from './batcher.js';
import type { ServedModel } from './served-model.js';

export interface MonitorHook {
  monitor: DriftMonitor;
  /** Share of predictions whose inputs and outputs the monitor sees. Default 1. */
  sampleRate?: number;
  /** Column names of the (single, 2-D) input, in order; default the signature's column names, else `<input>_<index>`. */
  featureNames?: string[];
}

/** Prometheus metrics per model, labelled by model, version and route only. */
export function instrument(model: ServedModel, metrics: MetricsRegistry, route = 'default'): void {
  const predictions = metrics.counter({ name: 'predictions_total', help: 'Predictions served (one per predict() call)', labelNames: ['model', 'version', 'route'] as const });
  const duration = metrics.histogram({
    name: 'prediction_duration_seconds',
    help: 'predict() latency including batching delay',
    labelNames: ['model', 'version', 'route'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
  });
  const batchSize = metrics.histogram({ name: 'batch_size', help: 'Rows per session run', labelNames: ['model', 'version'] as const, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
  const queue = metrics.gauge({ name: 'queue_depth', help: 'Rows waiting for the next batch', labelNames: ['model'] as const });
  // Labelled children are looked up once per served version: hashing label objects on every
  // prediction cost ~6% of a batch-1 predict() (cpu profile).
  let children: { version: number | null; count: DeferredCounter; duration: DeferredObserver } | undefined;
  model.addHook('afterPredict', (_tensors, _outputs, seconds) => {
    if (children === undefined || children.version !== model.version) {
      // A swap: the old version's recorders hand over what they hold and stop being collected.
      children?.count.dispose();
      children?.duration.dispose();
      const labels = { model: model.name, version: String(model.version ?? 'file'), route };
      children = { version: model.version, count: new DeferredCounter(predictions, predictions.labels(labels)), duration: new DeferredObserver(duration, labels) };
    }
    children.count.inc();
    children.duration.observe(seconds);
    model.recordLatency(seconds);
  });
  const depth = new SampledGauge(queue, queue.labels({ model: model.name }), () => model.queueDepth);
  let batchChild: { version: number | null; sizes: DeferredObserver } | undefined;
  model.addHook('batch', (rows) => {
    if (batchChild === undefined || batchChild.version !== model.version) {
      batchChild?.sizes.dispose();
      batchChild = { version: model.version, sizes: new DeferredObserver(batchSize, { model: model.name, version: String(model.version ?? 'file') }) };
    }
    batchChild.sizes.observe(rows);
  });
  model.whenClosed(() => {
    children?.count.dispose();
    children?.duration.dispose();
    batchChild?.sizes.dispose();
    depth.dispose();
  });
}

/** Feeds sampled predictions to a drift monitor as named columns. */
export function attachMonitor(model: ServedModel, hook: MonitorHook): void {
  const rate = hook.sampleRate ?? 1;
  const names = hook.featureNames ?? (model.signature.inputs.length === 1 ? model.signature.inputs[0]?.columns : undefined);
  model.addHook('afterPredict', (tensors, outputs) => {
    if (rate < 1 && Math.random() >= rate) return;
    hook.monitor.observe(columns(tensors, names), columns(outputs as unknown as Record<string, Pick<Tensor, 'data' | 'dims'>>));
  });
}

function columns(values: Record<string, Pick<Tensor, 'data' | 'dims'> | Outputs[string]>, names?: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(values)) {
    const dims = t.dims as number[];
    const rows = dims[0] ?? 1;
    const width = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) : 1;
    const data = t.data as ArrayLike<number | bigint>;
    for (let j = 0; j < width; j++) {
      const column = names?.[j] ?? (width === 1 ? name : `${name}_${j}`);
      const col = new Array<number>(rows);
      for (let r = 0; r < rows; r++) col[r] = Number(data[r * width + j]);
      out[column] = col;
    }
  }
  return out;
}
