import { describe } from 'vitest';
import { join } from 'node:path';
import { openSqlite } from '../../src/adapters/sql/sqlite-driver.js';
import { sqlDriverSuite } from '../../src/testing/sql-suite.js';
import { PG_URL, openTestPostgres, tempDir } from '../helpers/services.js';

sqlDriverSuite('sqlite (file, WAL)', async () => {
  const dir = await tempDir();
  const db = await openSqlite({ path: join(dir.path, 'test.db') });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    await dir.remove();
  };
  return db;
});

sqlDriverSuite('sqlite (:memory:)', () => openSqlite({ path: ':memory:' }));

describe.skipIf(!PG_URL)('[postgres] service-backed', () => {
  sqlDriverSuite('postgres', () => openTestPostgres(), { storesNonFiniteDoubles: true });
});
