import type { FilterExpr } from '../../src/search/ast.js';
import type { FixtureRun } from './search-fixture.js';

function like(value: string, pattern: string, insensitive: boolean): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') re += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, insensitive ? 'i' : '').test(value);
}

function attribute(run: FixtureRun, key: string): string | number | null {
  switch (key) {
    case 'run_name':
      return run.name;
    case 'status':
      return run.status;
    case 'start_time':
      return run.startTime;
    case 'end_time':
      return run.status === 'RUNNING' ? null : run.startTime + 500;
    case 'lifecycle_stage':
      return 'active';
    case 'user_id':
      return 'local';
    default:
      throw new Error(`oracle does not know attribute ${key}`);
  }
}

/** Evaluates a filter in JavaScript: the reference the SQL compilation is checked against. */
export function evaluate(expr: FilterExpr, run: FixtureRun): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, run) && evaluate(expr.right, run);
    case 'or':
      return evaluate(expr.left, run) || evaluate(expr.right, run);
    case 'not':
      return !evaluate(expr.expr, run);
    case 'null': {
      const v = lookup(run, expr.field.kind, expr.field.key);
      return expr.negated ? v !== undefined && v !== null : v === undefined || v === null;
    }
    case 'in': {
      const v = lookup(run, expr.field.kind, expr.field.key);
      if (v === undefined || v === null) return false;
      return expr.negated ? !expr.values.includes(String(v)) : expr.values.includes(String(v));
    }
    case 'compare': {
      const v = lookup(run, expr.field.kind, expr.field.key);
      if (v === undefined || v === null) return false;
      if (typeof v === 'number' && Number.isNaN(v)) return false;
      const w = expr.value;
      switch (expr.op) {
        case '=':
          return v === w;
        case '!=':
          return v !== w;
        case '>':
          return v > w;
        case '>=':
          return v >= w;
        case '<':
          return v < w;
        case '<=':
          return v <= w;
        case 'LIKE':
          return like(String(v), String(w), false);
        case 'ILIKE':
          return like(String(v), String(w), true);
        case 'NOT LIKE':
          return !like(String(v), String(w), false);
        case 'NOT ILIKE':
          return !like(String(v), String(w), true);
      }
    }
  }
}

function lookup(run: FixtureRun, kind: string, key: string): string | number | null | undefined {
  if (kind === 'metric') return run.metrics[key];
  if (kind === 'param') return run.params[key];
  // Every run also carries the system tags that startRun writes.
  if (kind === 'tag') return ({ ...run.tags, 'mlflow.runName': run.name, 'mlflow.user': 'local' } as Record<string, string>)[key];
  return attribute(run, key);
}

function orderValue(run: FixtureRun, field: string): string | number | null {
  const dot = field.indexOf('.');
  const prefix = field.slice(0, dot);
  const key = field.slice(dot + 1);
  const kind = prefix === 'metrics' ? 'metric' : prefix === 'params' ? 'param' : prefix === 'tags' ? 'tag' : 'attribute';
  const v = lookup(run, kind, key);
  if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return null;
  return v;
}

/** Sorts as searchRuns promises: each term with missing values last, then start_time DESC. */
export function orderRuns(runs: FixtureRun[], orderBy: string[]): FixtureRun[] {
  const terms = orderBy.map((t) => {
    const [field, dir] = t.trim().split(/\s+/);
    return { field: field as string, desc: (dir ?? '').toUpperCase() === 'DESC' };
  });
  return [...runs].sort((a, b) => {
    for (const t of terms) {
      const x = orderValue(a, t.field);
      const y = orderValue(b, t.field);
      if (x === null && y === null) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      if (x === y) continue;
      const less = x < y;
      return (less ? -1 : 1) * (t.desc ? -1 : 1);
    }
    return b.startTime - a.startTime;
  });
}
