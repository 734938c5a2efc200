import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/adapters/sql/sqlite-driver.js';
import type { MigrationResult, SqlDriver } from '../../src/adapters/sql/types.js';
import { spawnTs, finished } from '../helpers/child.js';
import { PG_URL, openTestPostgres, tempDir, uniqueName } from '../helpers/services.js';

async function race(kind: string, target: string, schema: string): Promise<MigrationResult[]> {
  const startAt = String(Date.now() + 1500);
  const children = [0, 1].map(() => finished(spawnTs('test/fixtures/migrate-worker.ts', [kind, target, schema, startAt])));
  const results = await Promise.all(children);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  return results.map((r) => JSON.parse(r.stdout) as MigrationResult);
}

async function expectOneSchema(db: SqlDriver, results: MigrationResult[]): Promise<void> {
  const applied = results.flatMap((r) => r.applied).sort();
  expect(applied).toEqual([1, 2, 3]);
  expect(results.flatMap((r) => r.alreadyApplied).sort()).toEqual([1, 2, 3]);
  const rows = await db.query<{ version: number }>("SELECT version FROM mlops_migrations WHERE module = 'race' ORDER BY version");
  expect(rows.map((r) => Number(r.version))).toEqual([1, 2, 3]);
  const [count] = await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM race_items');
  expect(Number(count?.c)).toBeGreaterThan(0);
}

describe('two processes migrating at once', () => {
  it('on one SQLite file: both succeed, one schema', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'race.db');
      const results = await race('sqlite', path, '');
      const db = await openSqlite({ path });
      try {
        await expectOneSchema(db, results);
        const [count] = await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM race_items');
        expect(Number(count?.c)).toBe(300_000);
      } finally {
        await db.close();
      }
    } finally {
      await dir.remove();
    }
  }, 60_000);

  it.skipIf(!PG_URL)('[postgres] on one schema: both succeed, one schema', async () => {
    const schema = uniqueName('race');
    const db = await openTestPostgres(schema);
    try {
      const results = await race('postgres', PG_URL as string, schema);
      await expectOneSchema(db, results);
      const [count] = await db.query<{ c: number }>('SELECT COUNT(*) AS c FROM race_items');
      expect(Number(count?.c)).toBe(1000);
    } finally {
      await db.close();
    }
  }, 60_000);
});
