import type { Clock } from '../core/clock.js';
import type { Tensor } from 'onnxruntime-node';
import type { SqlDriver } from '../adapters/sql/types.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { ServingBus } from './events.js';
import type { Migration } from '../adapters/sql/types.js';
import type { Outputs } from './batcher.js';
import type { ServedModel } from './served-model.js';

export const SERVING_MODULE = 'serving';

export const servingMigrations: Migration[] = [
  {
    version: 1,
    name: 'prediction log',
    up: (d) => `
      CREATE TABLE serving_predictions (
        id ${d.autoId},
        ts ${d.bigint} NOT NULL,
        model ${d.text} NOT NULL,
        version ${d.bigint},
        latency_us ${d.double} NOT NULL,
        inputs_json ${d.text} NOT NULL,
        outputs_json ${d.text} NOT NULL
      );
      CREATE INDEX serving_predictions_model_ts ON serving_predictions (model, ts);
    `,
  },
];

export interface PredictionRecord {
  ts: number;
  model: string;
  version: number | null;
  latencyMicros: number;
  inputs: Record<string, { data: number[]; dims: number[] }>;
  outputs: Record<string, { data: number[]; dims: number[] }>;
}

export interface PredictionLogOptions {
  /** Share of predictions recorded. Default 0.01. */
  sampleRate?: number;
  /** `sql` (table serving_predictions, the default) or a callback. */
  to?: 'sql' | ((record: PredictionRecord) => void);
}

function plain(values: Record<string, Pick<Tensor, 'data' | 'dims'> | Outputs[string]>): PredictionRecord['inputs'] {
  return Object.fromEntries(Object.entries(values).map(([k, t]) => [k, { data: Array.from(t.data as ArrayLike<number | bigint>, Number), dims: [...(t.dims as number[])] }]));
}

export function checkLogOptions(options: PredictionLogOptions): { rate: number; to: 'sql' | ((record: PredictionRecord) => void) } {
  const rate = options?.sampleRate ?? 0.01;
  if (!(rate >= 0 && rate <= 1)) throw new InvalidArgumentError(`Invalid log.sampleRate: ${rate} must be between 0 and 1`);
  const to = options.to ?? 'sql';
  if (to !== 'sql' && typeof to !== 'function') throw new InvalidArgumentError("Invalid log.to: expected 'sql' or a function");
  return { rate, to };
}

/** Records sampled predictions (inputs, outputs, version, latency) to SQL or a callback. */
export function attachPredictionLog(model: ServedModel, options: PredictionLogOptions, sql: SqlDriver, events: ServingBus, clock: Clock): void {
  const { rate, to } = checkLogOptions(options);
  model.addHook('afterPredict', (tensors, outputs, seconds) => {
    if (rate < 1 && Math.random() >= rate) return;
    const record: PredictionRecord = { ts: clock.now(), model: model.name, version: model.version, latencyMicros: seconds * 1e6, inputs: plain(tensors), outputs: plain(outputs) };
    if (typeof to === 'function') {
      to(record);
      return;
    }
    sql
      .exec('INSERT INTO serving_predictions (ts, model, version, latency_us, inputs_json, outputs_json) VALUES (?, ?, ?, ?, ?, ?)', [
        record.ts,
        record.model,
        record.version,
        record.latencyMicros,
        JSON.stringify(record.inputs),
        JSON.stringify(record.outputs),
      ])
      .catch((err: unknown) => events.emit('warning', { source: 'serving', message: `${model.name}: a prediction could not be logged`, cause: err }));
  });
}
