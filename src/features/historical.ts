import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '../core/errors.js';
import type { SqlDriver, SqlValue } from '../adapters/sql/types.js';
import { joinKeysOf, type Definitions } from './definitions.js';
import { checkJoinKeyValue, parseTimestamp } from './parse.js';
import { fromSql } from './rows.js';
import { offlineTable, q } from './schema.js';
import type { JoinKey } from './types.js';

/**
 * Point-in-time join: for each entity row, per view, the latest offline value with
 * event_ts <= the row's time and >= time - ttl, ties broken by created_ts (then insertion order).
 * The rows go into a temporary table and the join runs inside the database: an index seek per row
 * (LATERAL on PostgreSQL, a correlated rowid lookup on SQLite), never an N x M scan in JavaScript.
 */
export async function historicalJoin(
  sql: SqlDriver,
  defs: Definitions,
  byView: Map<string, string[]>,
  entityRows: Array<Record<string, unknown>>,
): Promise<Array<Record<string, unknown>>> {
  if (!Array.isArray(entityRows)) throw new InvalidArgumentError('Invalid entityRows: expected an array');
  const keys: JoinKey[] = [];
  for (const view of byView.keys()) {
    const def = defs.views.get(view)!;
    if (!def.offline) throw new InvalidArgumentError(`Invalid features: view ${view} has no offline store (offline: false)`);
    for (const k of joinKeysOf(def, defs)) if (!keys.some((x) => x.name === k.name)) keys.push(k);
  }
  const prepared = entityRows.map((row, i) => {
    if (row === null || typeof row !== 'object') throw new InvalidArgumentError(`Invalid entityRows[${i}]: expected an object`);
    return [i, ...keys.map((k) => checkJoinKeyValue(row[k.name], k, `entityRows[${i}].${k.name}`)), parseTimestamp(row.event_ts, `entityRows[${i}].event_ts`)] as SqlValue[];
  });
  const out = entityRows.map((row) => {
    const copy: Record<string, unknown> = { ...row };
    for (const [view, features] of byView) for (const f of features) copy[`${view}:${f}`] = null;
    return copy;
  });
  if (entityRows.length === 0) return out;
  const d = sql.dialect;
  const tmp = `features_entity_rows_${randomBytes(6).toString('hex')}`;
  await sql.transaction(async (tx) => {
    const cols = keys.map((k) => `${q(k.name)} ${k.type === 'int64' ? d.bigint : d.text}`);
    await tx.execScript(
      d.name === 'postgres'
        ? `CREATE TEMP TABLE ${tmp} (idx ${d.bigint}, ${cols.join(', ')}, event_ts ${d.bigint}) ON COMMIT DROP`
        : `CREATE TEMP TABLE ${tmp} (idx ${d.bigint}, ${cols.join(', ')}, event_ts ${d.bigint})`,
    );
    try {
      await tx.insertMany(tmp, ['idx', ...keys.map((k) => k.name), 'event_ts'], prepared);
      if (d.name === 'postgres') await tx.execScript(`ANALYZE ${tmp}`);
      for (const [view, features] of byView) {
        const def = defs.views.get(view)!;
        const viewKeys = joinKeysOf(def, defs);
        const table = offlineTable(view);
        const match = viewKeys.map((k) => `o.${q(k.name)} = e.${q(k.name)}`).join(' AND ');
        const ttl = def.ttlMs > 0 ? ` AND o.event_ts >= e.event_ts - ${Math.floor(def.ttlMs)}` : '';
        const picked = features.map((f) => q(f));
        const query =
          d.name === 'postgres'
            ? `SELECT e.idx, ${picked.map((c) => `f.${c}`).join(', ')} FROM ${tmp} e LEFT JOIN LATERAL (
                 SELECT ${picked.map((c) => `o.${c}`).join(', ')} FROM ${table} o
                 WHERE ${match} AND o.event_ts <= e.event_ts${ttl}
                 ORDER BY o.event_ts DESC, o.created_ts DESC, o.row_id DESC LIMIT 1) f ON TRUE`
            : `SELECT e.idx, ${picked.map((c) => `f.${c}`).join(', ')} FROM ${tmp} e LEFT JOIN ${table} f ON f.row_id = (
                 SELECT o.row_id FROM ${table} o WHERE ${match} AND o.event_ts <= e.event_ts${ttl}
                 ORDER BY o.event_ts DESC, o.created_ts DESC, o.row_id DESC LIMIT 1)`;
        const rows = await tx.queryArrays<unknown[]>(query);
        for (const r of rows) {
          const target = out[Number(r[0])] as Record<string, unknown>;
          features.forEach((f, j) => {
            target[`${view}:${f}`] = fromSql(r[j + 1], def.schema[f] as string);
          });
        }
      }
    } finally {
      if (d.name !== 'postgres') await tx.execScript(`DROP TABLE IF EXISTS temp.${tmp}`);
    }
  });
  return out;
}
