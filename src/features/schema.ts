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
];

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

/** The append-only offline table of a view, indexed for as-of lookups and interval scans. */
export function createOfflineTableSql(view: FeatureView, keys: JoinKey[], d: SqlDialect): string {
  const table = offlineTable(view.name);
  const keyCols = keys.map((k) => `${q(k.name)} ${k.type === 'int64' ? d.bigint : d.text} NOT NULL`);
  const featureCols = Object.entries(view.schema).map(([f, t]) => `${q(f)} ${columnType(t, d)}`);
  const keyList = keys.map((k) => q(k.name)).join(', ');
  return `
    CREATE TABLE ${table} (row_id ${d.autoId}, ${[...keyCols, `event_ts ${d.bigint} NOT NULL`, `created_ts ${d.bigint} NOT NULL`, ...featureCols].join(', ')});
    CREATE INDEX ${table}_asof ON ${table} (${keyList}, event_ts, created_ts, row_id);
    CREATE INDEX ${table}_event ON ${table} (event_ts);
  `;
}
