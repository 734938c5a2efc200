import type { Migration, SqlDialect } from '../adapters/sql/types.js';
import type { FeatureView, JoinKey } from './types.js';

export const FEATURES_MODULE = 'features';

export const featuresMigrations: Migration[] = [
  {
    version: 1,
    name: 'definitions, history, watermarks',
    up: (d) => `
      CREATE TABLE features_definitions (
        kind ${d.text} NOT NULL,
        name ${d.text} NOT NULL,
        version ${d.bigint} NOT NULL,
        definition_json ${d.text} NOT NULL,
        updated_ts ${d.bigint} NOT NULL,
        updated_by ${d.text} NOT NULL,
        PRIMARY KEY (kind, name)
      );
      CREATE TABLE features_definition_history (
        kind ${d.text} NOT NULL,
        name ${d.text} NOT NULL,
        version ${d.bigint} NOT NULL,
        definition_json ${d.text} NOT NULL,
        ts ${d.bigint} NOT NULL,
        actor ${d.text} NOT NULL,
        PRIMARY KEY (kind, name, version)
      );
      CREATE TABLE features_watermarks (
        view ${d.text} PRIMARY KEY,
        watermark ${d.bigint},
        job_start ${d.bigint},
        job_end ${d.bigint},
        cursor_json ${d.text}
      );
    `,
  },
  {
    version: 2,
    name: 'offline table layouts',
    // Layout 2: one row per (entity, event_ts) with a value digest (see tie-break.ts). Tables made
    // before it are upgraded once, on open (upgradeOfflineTables).
    up: (d) => `CREATE TABLE features_offline_layouts (view ${d.text} PRIMARY KEY, layout ${d.bigint} NOT NULL);`,
  },
];

/** The offline table layout this version writes: see tie-break.ts. */
export const OFFLINE_LAYOUT = 2;

export function offlineTable(view: string): string {
  return `features_offline_${view}`;
}

/** Identifiers are validated to [A-Za-z0-9_]; quoting keeps feature names like "order" legal. */
export function q(name: string): string {
  return `"${name}"`;
}

export function columnType(type: string, d: SqlDialect): string {
  switch (type) {
    case 'int64':
    case 'timestamp':
      return d.bigint;
    case 'float64':
    case 'float32':
      return d.double;
    case 'bool':
      return 'INTEGER';
    default:
      return d.text;
  }
}

/**
 * The offline table of a view: one row per entity and event time (the tie-break winner, see
 * tie-break.ts), indexed for as-of lookups and interval scans.
 */
export function createOfflineTableSql(view: FeatureView, keys: JoinKey[], d: SqlDialect): string {
  const table = offlineTable(view.name);
  const keyCols = keys.map((k) => `${q(k.name)} ${k.type === 'int64' ? d.bigint : d.text} NOT NULL`);
  const featureCols = Object.entries(view.schema).map(([f, t]) => `${q(f)} ${columnType(t, d)}`);
  const keyList = keys.map((k) => q(k.name)).join(', ');
  return `
    CREATE TABLE ${table} (row_id ${d.autoId}, ${[...keyCols, `event_ts ${d.bigint} NOT NULL`, `created_ts ${d.bigint} NOT NULL`, `row_digest ${d.bigint}`, ...featureCols].join(', ')});
    CREATE INDEX ${table}_asof ON ${table} (${keyList}, event_ts, created_ts, row_id);
    CREATE INDEX ${table}_event ON ${table} (event_ts);
    CREATE UNIQUE INDEX ${table}_entity_event ON ${table} (${keyList}, event_ts);
    INSERT INTO features_offline_layouts (view, layout) VALUES ('${view.name}', ${OFFLINE_LAYOUT});
  `;
}

/**
 * Brings a table made before layout 2 to it: adds the digest column, keeps of each (entity, event_ts)
 * the row reads already served (latest created_ts, then the last inserted), and makes the pair unique.
 * Rows from before have no digest; they lose a tie against any row that has one at the same write time.
 */
export function upgradeOfflineTableSql(view: FeatureView, keys: JoinKey[], d: SqlDialect): string {
  const table = offlineTable(view.name);
  const keyList = keys.map((k) => q(k.name)).join(', ');
  return `
    ALTER TABLE ${table} ADD COLUMN row_digest ${d.bigint};
    DELETE FROM ${table} WHERE row_id NOT IN (SELECT row_id FROM (
      SELECT row_id, ROW_NUMBER() OVER (PARTITION BY ${keyList}, event_ts ORDER BY created_ts DESC, row_id DESC) AS rn FROM ${table}) t WHERE rn = 1);
    CREATE UNIQUE INDEX ${table}_entity_event ON ${table} (${keyList}, event_ts);
    INSERT INTO features_offline_layouts (view, layout) VALUES ('${view.name}', ${OFFLINE_LAYOUT});
  `;
}

/**
 * The upsert of an offline push: a row replaces the stored one of its entity and event time only when
 * its (created_ts, row_digest) is larger, so every process ends with the same winner and a retried
 * batch adds no row.
 */
export function offlineUpsertClause(view: FeatureView, keys: JoinKey[]): string {
  const table = offlineTable(view.name);
  const sets = ['created_ts', 'row_digest', ...Object.keys(view.schema).map(q)].map((c) => `${c} = excluded.${c}`).join(', ');
  return `ON CONFLICT (${keys.map((k) => q(k.name)).join(', ')}, event_ts) DO UPDATE SET ${sets}
    WHERE excluded.created_ts > ${table}.created_ts
       OR (excluded.created_ts = ${table}.created_ts AND excluded.row_digest > COALESCE(${table}.row_digest, -1))`;
}
