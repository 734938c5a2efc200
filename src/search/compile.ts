import { InvalidArgumentError } from '../core/errors.js';
import type { SqlDialectName, SqlValue } from '../adapters/sql/types.js';
import type { FieldKind, FieldRef, FilterExpr, OrderTerm } from './ast.js';

/** How a searchable entity is laid out in SQL. Every name here is library text, never user input. */
export interface SqlEntity {
  /** Alias of the main table in the query (`r`). */
  alias: string;
  /** Id column of the main table, joined by the child tables' `fk`. */
  idColumn: string;
  /** Attribute name -> column expression (`r.start_time`). */
  columns: Record<string, string>;
  /** Child tables holding key/value rows for metrics, params and tags. */
  children: Partial<Record<Exclude<FieldKind, 'attribute'>, { table: string; fk: string; nanColumn?: string }>>;
  /** Terms appended after the caller's order so that every ordering is total (stable pages). */
  tieBreakers: Array<{ column: string; descending: boolean; text: boolean }>;
  /** Attributes that hold text (ordered byte-wise on every dialect). */
  textAttributes: ReadonlySet<string>;
}

export interface Compiled {
  sql: string;
  params: SqlValue[];
}

/**
 * Turns a LIKE pattern (% and _ wildcards, backslash escapes) into a SQLite GLOB pattern, because
 * SQLite's LIKE ignores case and MLflow's LIKE does not.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1] as string;
      i += 1;
      out += next === '*' || next === '?' || next === '[' ? `[${next}]` : next;
    } else if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}

function checkPattern(pattern: string, field: FieldRef): void {
  let trailing = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === '\\'; i--) trailing += 1;
  if (trailing % 2 === 1) {
    throw new InvalidArgumentError(
      `Invalid filter at position ${field.pos}: the LIKE pattern ${JSON.stringify(pattern)} ends with a lone escape character`,
    );
  }
}

class Compiler {
  readonly params: SqlValue[] = [];

  constructor(
    private readonly entity: SqlEntity,
    private readonly dialect: SqlDialectName,
  ) {}

  expr(e: FilterExpr): string {
    switch (e.kind) {
      case 'and':
        return `(${this.expr(e.left)} AND ${this.expr(e.right)})`;
      case 'or':
        return `(${this.expr(e.left)} OR ${this.expr(e.right)})`;
      case 'not':
        return `(NOT ${this.expr(e.expr)})`;
      case 'null': {
        if (e.field.kind === 'attribute') {
          return `(${this.column(e.field)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
        }
        // A key is "null" for a record that never logged it.
        return `(${e.negated ? '' : 'NOT '}${this.exists(e.field, undefined)})`;
      }
      case 'in': {
        // Parameters are pushed when the condition is rendered, so they follow the text's order.
        const cond = (col: string) => {
          const list = e.values.map((v) => {
            this.params.push(v);
            return '?';
          });
          return `${col} ${e.negated ? 'NOT IN' : 'IN'} (${list.join(', ')})`;
        };
        if (e.field.kind === 'attribute') return this.attributeCondition(e.field, cond);
        return this.existsWith(e.field, cond);
      }
      case 'compare': {
        const cond = (col: string) => this.condition(col, e.op, e.value, e.field);
        if (e.field.kind === 'attribute') return this.attributeCondition(e.field, cond);
        return this.existsWith(e.field, cond);
      }
    }
  }

  /**
   * Two-valued logic: a comparison with a NULL attribute (end_time of a running run) is false, not
   * unknown, so NOT (…) includes that run, as the same filter does on metrics, params and tags.
   */
  private attributeCondition(field: FieldRef, cond: (col: string) => string): string {
    const col = this.column(field);
    return `(${col} IS NOT NULL AND ${cond(col)})`;
  }

  private column(field: FieldRef): string {
    const col = this.entity.columns[field.key];
    if (col === undefined) throw new InvalidArgumentError(`Invalid filter: unknown attribute ${JSON.stringify(field.key)}`);
    return col;
  }

  private condition(col: string, op: string, value: string | number, field: FieldRef): string {
    if (op === 'LIKE' || op === 'NOT LIKE' || op === 'ILIKE' || op === 'NOT ILIKE') {
      const pattern = String(value);
      checkPattern(pattern, field);
      const not = op.startsWith('NOT ') ? 'NOT ' : '';
      const insensitive = op.endsWith('ILIKE');
      if (this.dialect === 'sqlite') {
        this.params.push(insensitive ? pattern : likeToGlob(pattern));
        return insensitive ? `${not}(${col} LIKE ? ESCAPE '\\')` : `${not}(${col} GLOB ?)`;
      }
      this.params.push(pattern);
      return `${not}(${col} ${insensitive ? 'ILIKE' : 'LIKE'} ? ESCAPE '\\')`;
    }
    this.params.push(value);
    return `${col} ${op === '!=' ? '<>' : op} ?`;
  }

  private child(field: FieldRef) {
    const child = this.entity.children[field.kind as Exclude<FieldKind, 'attribute'>];
    if (child === undefined) throw new InvalidArgumentError(`Invalid filter: ${field.kind}s cannot be searched here`);
    return child;
  }

  /** EXISTS over the child rows of this key, optionally with a condition on their value. */
  private exists(field: FieldRef, cond: ((col: string) => string) | undefined): string {
    const child = this.child(field);
    this.params.push(field.key);
    const nan = child.nanColumn && cond ? ` AND c.${child.nanColumn} = 0` : '';
    const extra = cond ? ` AND ${cond('c.value')}` : '';
    return `EXISTS (SELECT 1 FROM ${child.table} c WHERE c.${child.fk} = ${this.entity.alias}.${this.entity.idColumn} AND c.key = ?${nan}${extra})`;
  }

  private existsWith(field: FieldRef, cond: (col: string) => string): string {
    return `(${this.exists(field, cond)})`;
  }
}

/** Compiles a filter AST to a parameterised WHERE fragment. */
export function compileFilter(expr: FilterExpr | undefined, entity: SqlEntity, dialect: SqlDialectName): Compiled {
  if (expr === undefined) return { sql: '1 = 1', params: [] };
  const c = new Compiler(entity, dialect);
  const sql = c.expr(expr);
  return { sql, params: c.params };
}

/**
 * Compiles order terms: LEFT JOINs for metric/param/tag terms and the ORDER BY list. Records without
 * the key sort last either way; text is compared byte-wise on every dialect so pages agree.
 */
export function compileOrder(
  terms: readonly OrderTerm[],
  entity: SqlEntity,
  dialect: SqlDialectName,
  aliasPrefix = 'o',
): { joins: string; joinParams: SqlValue[]; orderBy: string } {
  const joins: string[] = [];
  const joinParams: SqlValue[] = [];
  const order: string[] = [];
  const textual = (col: string) => (dialect === 'postgres' ? `${col} COLLATE "C"` : col);
  terms.forEach((term, i) => {
    const dir = term.descending ? 'DESC' : 'ASC';
    if (term.field.kind === 'attribute') {
      const col = entity.columns[term.field.key] as string;
      const isText = entity.textAttributes.has(term.field.key);
      order.push(`(${col} IS NULL) ASC`, `${isText ? textual(col) : col} ${dir}`);
      return;
    }
    const child = entity.children[term.field.kind];
    if (child === undefined) throw new InvalidArgumentError(`Invalid orderBy[${i}]: ${term.field.kind}s cannot be ordered on here`);
    const alias = `${aliasPrefix}${i}`;
    joins.push(`LEFT JOIN ${child.table} ${alias} ON ${alias}.${child.fk} = ${entity.alias}.${entity.idColumn} AND ${alias}.key = ?`);
    joinParams.push(term.field.key);
    const value = term.field.kind === 'metric' ? `${alias}.value` : textual(`${alias}.value`);
    order.push(`(${alias}.value IS NULL) ASC`, `${value} ${dir}`);
  });
  for (const t of entity.tieBreakers) order.push(`${t.text ? textual(t.column) : t.column} ${t.descending ? 'DESC' : 'ASC'}`);
  return { joins: joins.join(' '), joinParams, orderBy: order.join(', ') };
}

/** The conjuncts of a top-level AND chain (the whole expression when it is not an AND). */
export function topLevelConjuncts(expr: FilterExpr | undefined): FilterExpr[] {
  if (expr === undefined) return [];
  if (expr.kind === 'and') return [...topLevelConjuncts(expr.left), ...topLevelConjuncts(expr.right)];
  return [expr];
}

/** A conjunct that an index on (key, value) of a child table can answer. */
export interface DriverCondition {
  table: string;
  fk: string;
  /** Conditions on alias `d`, starting with the key. */
  sql: string;
  params: SqlValue[];
}

/**
 * Returns the index-answerable form of a conjunct (metric range or equality, param/tag equality or
 * IN, key present), or undefined. Used to start a search from the few rows a selective filter
 * matches instead of from every run.
 */
export function compileDriver(expr: FilterExpr, entity: SqlEntity): DriverCondition | undefined {
  if (expr.kind !== 'compare' && expr.kind !== 'in' && expr.kind !== 'null') return undefined;
  if (expr.field.kind === 'attribute') return undefined;
  const child = entity.children[expr.field.kind];
  if (child === undefined) return undefined;
  const base = { table: child.table, fk: child.fk };
  if (expr.kind === 'null') return expr.negated ? { ...base, sql: 'd.key = ?', params: [expr.field.key] } : undefined;
  if (expr.kind === 'in') {
    if (expr.negated) return undefined;
    return { ...base, sql: `d.key = ? AND d.value IN (${expr.values.map(() => '?').join(', ')})`, params: [expr.field.key, ...expr.values] };
  }
  const op = expr.op;
  if (expr.field.kind === 'metric' && (op === '=' || op === '>' || op === '>=' || op === '<' || op === '<=')) {
    // NaN is stored as NULL, which no comparison matches: the (key, value) index answers alone.
    return { ...base, sql: `d.key = ? AND d.value ${op} ?`, params: [expr.field.key, expr.value] };
  }
  if (expr.field.kind !== 'metric' && op === '=') return { ...base, sql: 'd.key = ? AND d.value = ?', params: [expr.field.key, expr.value] };
  return undefined;
}
