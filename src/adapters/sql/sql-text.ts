import { InvalidArgumentError } from '../../core/errors.js';
import type { SqlValue } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Refuses anything but a plain identifier, so table and column names can never carry SQL. */
export function assertIdentifier(name: string, field: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(name)} is not a plain SQL identifier`, {
      details: { field, value: name },
    });
  }
  return name;
}

/**
 * Rewrites `?` placeholders to PostgreSQL's `$1, $2, …`, leaving `?` inside string literals, quoted
 * identifiers, dollar-quoted bodies and comments alone.
 */
export function toNumberedPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = skipQuoted(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0] as string;
      const close = sql.indexOf(tag, i + tag.length);
      const end = close === -1 ? sql.length : close + tag.length;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '?') {
      n += 1;
      out += `$${n}`;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

/** Checks an insert before anything is written: plain identifiers, and every row as wide as the columns. */
export function checkInsertShape(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): void {
  assertIdentifier(table, 'table');
  columns.forEach((c, i) => assertIdentifier(c, `columns[${i}]`));
  if (columns.length === 0) throw new InvalidArgumentError('Invalid columns: at least one column is needed');
  rows.forEach((row, i) => {
    if (row.length !== columns.length) {
      throw new InvalidArgumentError(`Invalid rows[${i}]: has ${row.length} values for ${columns.length} columns`, {
        details: { field: `rows[${i}]` },
      });
    }
  });
}

/** Splits rows into multi-row INSERT statements that stay under the dialect's parameter limit. */
export function buildInsertChunks(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  maxParams: number,
  onConflict: string | undefined,
  maxRowsPerStatement = 1000,
): Array<{ sql: string; params: SqlValue[] }> {
  checkInsertShape(table, columns, rows);
  const width = columns.length;
  const perStatement = Math.max(1, Math.min(maxRowsPerStatement, Math.floor(maxParams / width)));
  const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const chunks: Array<{ sql: string; params: SqlValue[] }> = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const slice = rows.slice(start, start + perStatement);
    const params: SqlValue[] = [];
    for (const row of slice) params.push(...row);
    const sql = head + new Array<string>(slice.length).fill(tuple).join(', ') + (onConflict ? ` ${onConflict}` : '');
    chunks.push({ sql, params });
  }
  return chunks;
}
