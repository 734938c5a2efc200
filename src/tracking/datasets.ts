import { InvalidArgumentError } from '../core/errors.js';
import type { TrackingContext } from './context.js';
import { checkString } from '../search/index.js';
import type { RunStore } from './run-store.js';
import type { DatasetInput } from './types.js';

// MLflow's dataset limits (mlflow/utils/validation.py).
const DATASET_LIMITS = { name: 500, digest: 36, sourceType: 36, source: 65_535, schema: 1_048_575, profile: 16_777_215, tagKey: 255, tagValue: 500 };

function optional(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  return checkString(value, field, max);
}

/** Dataset inputs of runs (mlflow.log_input): datasets are shared per experiment, linked with context tags. */
export class RunDatasets {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly runs: RunStore,
  ) {}

  async log(runId: string, inputs: DatasetInput[]): Promise<void> {
    if (!Array.isArray(inputs)) throw new InvalidArgumentError('Invalid datasets: expected an array of { dataset, tags }');
    const checked = inputs.map((input, i) => {
      const f = `datasets[${i}]`;
      const d = input?.dataset;
      if (d === null || typeof d !== 'object') throw new InvalidArgumentError(`Invalid ${f}.dataset: expected { name, digest, sourceType, source }`);
      const tags = input.tags ?? [];
      if (!Array.isArray(tags)) throw new InvalidArgumentError(`Invalid ${f}.tags: expected an array of { key, value }`);
      return {
        name: checkString(d.name, `${f}.dataset.name`, DATASET_LIMITS.name),
        digest: checkString(d.digest, `${f}.dataset.digest`, DATASET_LIMITS.digest),
        sourceType: checkString(d.sourceType, `${f}.dataset.sourceType`, DATASET_LIMITS.sourceType),
        source: checkString(d.source, `${f}.dataset.source`, DATASET_LIMITS.source),
        schema: optional(d.schema, `${f}.dataset.schema`, DATASET_LIMITS.schema),
        profile: optional(d.profile, `${f}.dataset.profile`, DATASET_LIMITS.profile),
        tags: tags.map((t, j) => ({
          key: checkString(t?.key, `${f}.tags[${j}].key`, DATASET_LIMITS.tagKey),
          value: checkString(t?.value, `${f}.tags[${j}].value`, DATASET_LIMITS.tagValue),
        })),
      };
    });
    await this.ctx.sql.transaction(async (tx) => {
      const info = await this.runs.getActiveInfo(runId, tx);
      const experimentId = Number(info.experimentId);
      for (const d of checked) {
        await tx.exec(
          `INSERT INTO tracking_datasets (experiment_id, name, digest, source_type, source, schema_json, profile_json)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, name, digest) DO NOTHING`,
          [experimentId, d.name, d.digest, d.sourceType, d.source, d.schema, d.profile],
        );
        const [row] = await tx.query<{ dataset_id: number }>(
          'SELECT dataset_id FROM tracking_datasets WHERE experiment_id = ? AND name = ? AND digest = ?',
          [experimentId, d.name, d.digest],
        );
        await tx.exec(
          'INSERT INTO tracking_inputs (run_id, dataset_id, tags_json) VALUES (?, ?, ?) ON CONFLICT (run_id, dataset_id) DO UPDATE SET tags_json = excluded.tags_json',
          [runId, Number(row?.dataset_id), JSON.stringify(d.tags)],
        );
      }
    });
  }
}
