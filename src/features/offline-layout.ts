import type { SqlDriver } from '../adapters/sql/types.js';
import type { AuditSink } from '../governance/index.js';
import { joinKeysOf, type Definitions } from './definitions.js';
import { OFFLINE_LAYOUT, upgradeOfflineTableSql } from './schema.js';

/**
 * Upgrades offline tables made before layout 2 (one row per entity and event time, see tie-break.ts),
 * once, when a runtime opens. Replicas opening together queue on the audit chain head (as
 * features.apply does) and re-check, so each table is upgraded by one of them. Returns the views upgraded.
 */
export async function upgradeOfflineTables(sql: SqlDriver, audit: AuditSink, defs: Definitions): Promise<string[]> {
  const offline = [...defs.views.values()].filter((v) => v.offline);
  if (offline.length === 0) return [];
  const done = new Set((await sql.query<{ view: string }>('SELECT view FROM features_offline_layouts WHERE layout >= ?', [OFFLINE_LAYOUT])).map((r) => r.view));
  const upgraded: string[] = [];
  for (const view of offline.filter((v) => !done.has(v.name))) {
    await sql.transaction(async (tx) => {
      await audit.lock(tx);
      const [row] = await tx.query<{ layout: number }>('SELECT layout FROM features_offline_layouts WHERE view = ?', [view.name]);
      if (row !== undefined) return;
      await tx.execScript(upgradeOfflineTableSql(view, joinKeysOf(view, defs), tx.dialect));
      upgraded.push(view.name);
    });
  }
  return upgraded;
}
