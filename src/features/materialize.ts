import type { SqlValue } from '../adapters/sql/types.js';
import type { Definitions } from './definitions.js';
import { joinKeysOf } from './definitions.js';
import { EVENT_TS_FIELD, onlineKey, type FeaturesContext } from './context.js';
import { fromSql } from './rows.js';
import { offlineTable, q } from './schema.js';
import type { FeatureView } from './types.js';

const BATCH = 1000;

/**
 * Copies the latest offline value per entity in [start, end) of one view to the online store, a
 * batch of entities at a time, in entity-key order. After each batch the cursor is stored, so a run
 * that crashed resumes where it stopped; writes are newer-wins, so replaying a batch is harmless.
 */
export async function materializeView(
  ctx: FeaturesContext,
  defs: Definitions,
  view: FeatureView,
  start: number,
  end: number,
  onProgress: (written: number, total: number) => void,
  // false for a restore of an online store that lost its data: the watermark and cursor stay as they are.
  record = true,
): Promise<number> {
  const keys = joinKeysOf(view, defs);
  const table = offlineTable(view.name);
  const keyCols = keys.map((k) => q(k.name));
  const features = Object.keys(view.schema);
  const [state] = await ctx.sql.query<{ job_start: number | null; job_end: number | null; cursor_json: string | null }>(
    'SELECT job_start, job_end, cursor_json FROM features_watermarks WHERE view = ?',
    [view.name],
  );
  let cursor: SqlValue[] | undefined =
    record && state && Number(state.job_start) === start && Number(state.job_end) === end && state.cursor_json ? (JSON.parse(state.cursor_json) as SqlValue[]) : undefined;
  if (record) await ctx.sql.exec(
    `INSERT INTO features_watermarks (view, watermark, job_start, job_end, cursor_json) VALUES (?, NULL, ?, ?, ?)
     ON CONFLICT (view) DO UPDATE SET job_start = excluded.job_start, job_end = excluded.job_end, cursor_json = excluded.cursor_json`,
    [view.name, start, end, cursor ? JSON.stringify(cursor) : null],
  );
  // How many entities the range holds, so progress can show a total, a share and an ETA. One
  // counting pass over the range; the copy below reads the same rows, so it costs a fraction of it.
  const [counted] = await ctx.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT ${keyCols.join(', ')} FROM ${table} WHERE event_ts >= ? AND event_ts < ?) t`, [start, end]);
  const total = Number(counted?.n ?? 0);
  let written = 0;
  for (;;) {
    const after = cursor ? ` AND (${keyCols.map((c) => `o.${c}`).join(', ')}) > (${keyCols.map(() => '?').join(', ')})` : '';
    const rows = await ctx.sql.queryArrays<unknown[]>(
      `SELECT ${keyCols.join(', ')}, event_ts, created_ts, row_digest${features.map((f) => `, ${q(f)}`).join('')} FROM (
         SELECT o.*, ROW_NUMBER() OVER (PARTITION BY ${keyCols.map((c) => `o.${c}`).join(', ')} ORDER BY o.event_ts DESC, o.created_ts DESC, o.row_id DESC) AS rn
         FROM ${table} o WHERE o.event_ts >= ? AND o.event_ts < ?${after}
       ) t WHERE rn = 1 ORDER BY ${keyCols.join(', ')} LIMIT ${BATCH}`,
      [start, end, ...(cursor ?? [])],
    );
    if (rows.length === 0) break;
    const writes = rows.map((r) => {
      const keyValues = r.slice(0, keys.length) as Array<string | number>;
      const eventTs = Number(r[keys.length]);
      const fields: Record<string, string> = {};
      features.forEach((f, j) => {
        fields[f] = JSON.stringify(fromSql(r[keys.length + 3 + j], view.schema[f] as string));
      });
      // The stored row's own tie-break (tie-break.ts): replaying it never displaces a push that beat it.
      const digest = r[keys.length + 2];
      const tie = digest === null || digest === undefined ? [Number(r[keys.length + 1])] : [Number(r[keys.length + 1]), Number(digest)];
      return { key: onlineKey(view.name, keyValues), fields, order: eventTs, tie };
    });
    await ctx.kv.hsetManyIfNewer(writes, EVENT_TS_FIELD);
    written += rows.length;
    cursor = (rows[rows.length - 1] as unknown[]).slice(0, keys.length) as SqlValue[];
    if (record) await ctx.sql.exec('UPDATE features_watermarks SET cursor_json = ? WHERE view = ?', [JSON.stringify(cursor), view.name]);
    onProgress(written, total);
    if (rows.length < BATCH) break;
  }
  // The watermark only moves forward: a run over an earlier window that finishes last (another process,
  // or a backfill) must not pull it back. The resume cursor is cleared only when it is this run's.
  if (record) await ctx.sql.exec(
    `UPDATE features_watermarks SET watermark = CASE WHEN watermark IS NULL OR watermark < ? THEN ? ELSE watermark END,
       cursor_json = CASE WHEN job_start = ? AND job_end = ? THEN NULL ELSE cursor_json END,
       job_start = CASE WHEN job_start = ? AND job_end = ? THEN NULL ELSE job_start END,
       job_end = CASE WHEN job_start = ? AND job_end = ? THEN NULL ELSE job_end END
     WHERE view = ?`,
    [end, end, start, end, start, end, start, end, view.name],
  );
  return written;
}
