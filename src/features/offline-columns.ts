import { InvalidArgumentError } from '../core/errors.js';
import type { FeaturesEngine } from './feature-store.js';
import { parseTimestamp } from './parse.js';
import { fromSql } from './rows.js';
import { offlineTable, q } from './schema.js';

export interface OfflineColumnsRequest {
  view: string;
  /** Default every feature of the view. */
  features?: string[];
  /** Event time range [start, end); default all. */
  start?: number | string | Date;
  end?: number | string | Date;
}

/**
 * A feature view's offline rows in [start, end), as one array per feature. The features module owns
 * its offline table (name, quoting, value decoding); other modules read it through this.
 */
export async function readOfflineColumns(engine: FeaturesEngine, request: OfflineColumnsRequest): Promise<Record<string, unknown[]>> {
  const view = await engine.view(request.view);
  if (!view.offline) throw new InvalidArgumentError(`Invalid view: ${view.name} has no offline store`);
  const features = request.features ?? Object.keys(view.schema);
  features.forEach((f, i) => {
    if (view.schema[f] === undefined) throw new InvalidArgumentError(`Invalid features[${i}]: view ${view.name} has no feature ${f}`);
  });
  const start = request.start === undefined ? -Number.MAX_SAFE_INTEGER : parseTimestamp(request.start, 'start');
  const end = request.end === undefined ? Number.MAX_SAFE_INTEGER : parseTimestamp(request.end, 'end');
  const rows = await engine.ctx.sql.queryArrays<unknown[]>(
    `SELECT ${features.map((f) => q(f)).join(', ')} FROM ${offlineTable(view.name)} WHERE event_ts >= ? AND event_ts < ?`,
    [start, end],
  );
  const columns: Record<string, unknown[]> = {};
  features.forEach((f, j) => {
    columns[f] = rows.map((r) => fromSql(r[j], view.schema[f] as string));
  });
  return columns;
}
