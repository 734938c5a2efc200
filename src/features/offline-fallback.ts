import type { SqlDriver, SqlValue } from '../adapters/sql/types.js';
import { UnavailableError } from '../core/errors.js';
import { EVENT_TS_FIELD } from './context.js';
import { fromSql } from './rows.js';
import { offlineTable, q } from './schema.js';
import type { FeatureView, JoinKey } from './types.js';

/** One online read as getOnline plans it: a view, its join keys and the fields read (event time last). */
export interface FallbackRead {
  view: FeatureView;
  keys: JoinKey[];
  fields: string[];
}

/** Entities per statement: well under SQLite's and PostgreSQL's parameter limits for any key count. */
const CHUNK = 500;

/**
 * What the online store would have answered, read from the offline store instead: per entity and
 * view, the newest offline row (ties broken as materialization breaks them), encoded as the online
 * store encodes it (JSON values, the event time last), in the same flat order as the online reads.
 * Used when the online store is unavailable and the caller chose the `offline` policy, and while a
 * Redis that restarted empty is being refilled. Statuses (PRESENT / OUTSIDE_MAX_AGE / NOT_FOUND) are
 * then decided by the caller exactly as for online values.
 */
export async function readLatestOffline(
  sql: SqlDriver,
  perView: readonly FallbackRead[],
  entityKeys: ReadonlyArray<ReadonlyArray<ReadonlyArray<string | number>>>,
): Promise<Array<Array<string | null>>> {
  const out = new Array<Array<string | null>>(entityKeys.length * perView.length);
  for (let j = 0; j < perView.length; j++) {
    const read = perView[j] as FallbackRead;
    if (!read.view.offline) {
      throw new UnavailableError(`The online store is unavailable and view ${read.view.name} has no offline store to fall back on`, {
        details: { view: read.view.name },
      });
    }
    const wanted = new Map<string, ReadonlyArray<string | number>>();
    for (const perEntity of entityKeys) {
      const keyValues = perEntity[j] as ReadonlyArray<string | number>;
      wanted.set(JSON.stringify(keyValues), keyValues);
    }
    const found = await newestRows(sql, read, [...wanted.values()]);
    for (let e = 0; e < entityKeys.length; e++) {
      const row = found.get(JSON.stringify((entityKeys[e] as ReadonlyArray<ReadonlyArray<string | number>>)[j]));
      out[e * perView.length + j] = read.fields.map((f) => {
        if (row === undefined) return null;
        if (f === EVENT_TS_FIELD) return String(row.eventTs);
        const value = row.values[f];
        return value === null || value === undefined ? null : JSON.stringify(value);
      });
    }
  }
  return out;
}

async function newestRows(
  sql: SqlDriver,
  read: FallbackRead,
  entities: ReadonlyArray<ReadonlyArray<string | number>>,
): Promise<Map<string, { eventTs: number; values: Record<string, unknown> }>> {
  const { view, keys } = read;
  const features = read.fields.filter((f) => f !== EVENT_TS_FIELD);
  const keyCols = keys.map((k) => q(k.name));
  const found = new Map<string, { eventTs: number; values: Record<string, unknown> }>();
  for (let at = 0; at < entities.length; at += CHUNK) {
    const chunk = entities.slice(at, at + CHUNK);
    const tuple = keys.length === 1 ? '?' : `(${keys.map(() => '?').join(', ')})`;
    const match = `${keys.length === 1 ? `o.${keyCols[0]}` : `(${keyCols.map((c) => `o.${c}`).join(', ')})`} IN (${chunk.map(() => tuple).join(', ')})`;
    const rows = await sql.queryArrays<unknown[]>(
      `SELECT ${keyCols.join(', ')}, event_ts${features.map((f) => `, ${q(f)}`).join('')} FROM (
         SELECT o.*, ROW_NUMBER() OVER (PARTITION BY ${keyCols.map((c) => `o.${c}`).join(', ')} ORDER BY o.event_ts DESC, o.created_ts DESC, o.row_id DESC) AS rn
         FROM ${offlineTable(view.name)} o WHERE ${match}
       ) t WHERE rn = 1`,
      chunk.flat() as SqlValue[],
    );
    for (const r of rows) {
      const keyValues = keys.map((k, i) => (k.type === 'int64' ? Number(r[i]) : String(r[i])));
      const values: Record<string, unknown> = {};
      features.forEach((f, i) => {
        values[f] = fromSql(r[keys.length + 1 + i], view.schema[f] as string);
      });
      found.set(JSON.stringify(keyValues), { eventTs: Number(r[keys.length]), values });
    }
  }
  return found;
}
