import { InvalidArgumentError } from '../core/errors.js';
import { checkAlias, checkModelName } from '../registry/index.js';

/** What a halt applies to: one model, one route (alias) of a model, or every model. */
export type HaltTarget = { model: string; route?: string } | { all: true };

/** The stored key of a target: `*`, `model:<name>` or `route:<name>@<route>`. */
export function targetKey(t: HaltTarget): string {
  if ('all' in t) return '*';
  return t.route === undefined ? `model:${t.model}` : `route:${t.model}@${t.route}`;
}

export function describeTarget(t: HaltTarget): string {
  if ('all' in t) return 'every model';
  return t.route === undefined ? `model ${t.model}` : `route ${t.route} of model ${t.model}`;
}

/** Checks a target given by a caller; unknown fields and shapes are refused, naming the field. */
export function parseTarget(value: unknown, field = 'target'): HaltTarget {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`Invalid ${field}: expected { model }, { model, route } or { all: true }, got ${JSON.stringify(value)}`, { details: { field } });
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!['model', 'route', 'all'].includes(key)) throw new InvalidArgumentError(`Invalid ${field}.${key}: a target has model, route or all`, { details: { field: `${field}.${key}` } });
  }
  if ('all' in v) {
    if (v.all !== true || 'model' in v || 'route' in v) throw new InvalidArgumentError(`Invalid ${field}: { all: true } stands alone (got ${JSON.stringify(value)})`, { details: { field } });
    return { all: true };
  }
  if (!('model' in v)) throw new InvalidArgumentError(`Invalid ${field}: name a model ({ model }) or every model ({ all: true })`, { details: { field } });
  const model = checkModelName(v.model, `${field}.model`);
  if (v.route === undefined) return { model };
  return { model, route: checkAlias(v.route, `${field}.route`) };
}

/** A target back from its stored row. */
export function rowTarget(row: { target: string; model: string | null; route: string | null }): HaltTarget {
  if (row.target === '*' || row.model === null) return { all: true };
  return row.route === null ? { model: row.model } : { model: row.model, route: row.route };
}
