export { openPostgres, postgresDialect, type PostgresOptions } from './adapters/sql/postgres-driver.js';
export type { PgPool, PgPoolClient } from './adapters/sql/pg-types.js';
