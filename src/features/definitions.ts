import { FailedPreconditionError, InvalidArgumentError } from '../core/errors.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import type { AuditSink } from '../governance/index.js';
import { canonicalJson } from '../core/canonical-json.js';
import { checkString } from '../search/index.js';
import { FIELD_NAME, RESERVED_COLUMNS, VIEW_NAME, parseRef, parseTtl } from './parse.js';
import { columnType, createOfflineTableSql, offlineTable, q } from './schema.js';
import {
  FEATURE_TYPES,
  JOIN_KEY_TYPES,
  type ApplyInput,
  type ApplyResult,
  type Entity,
  type FeatureService,
  type FeatureView,
  type JoinKey,
} from './types.js';

export interface Definitions {
  entities: Map<string, Entity>;
  views: Map<string, FeatureView>;
  services: Map<string, FeatureService>;
}

type Kind = 'entity' | 'view' | 'service';

function fail(message: string): never {
  throw new InvalidArgumentError(message);
}

function normalizeEntity(e: ApplyInput['entities'] extends Array<infer T> | undefined ? T : never, i: number): Entity {
  const f = `entities[${i}]`;
  if (e === null || typeof e !== 'object') fail(`Invalid ${f}: expected { name, joinKeys }`);
  if (typeof e.name !== 'string' || !VIEW_NAME.test(e.name)) fail(`Invalid ${f}.name: ${JSON.stringify(e.name)} must match ${VIEW_NAME}`);
  if (!Array.isArray(e.joinKeys) || e.joinKeys.length === 0 || e.joinKeys.length > 8) fail(`Invalid ${f}.joinKeys: give 1 to 8 join keys`);
  const joinKeys: JoinKey[] = e.joinKeys.map((k, j) => {
    const key = typeof k === 'string' ? { name: k, type: 'string' as const } : k;
    if (key === null || typeof key !== 'object' || typeof key.name !== 'string' || !FIELD_NAME.test(key.name) || RESERVED_COLUMNS.has(key.name)) {
      fail(`Invalid ${f}.joinKeys[${j}]: ${JSON.stringify(k)} must be a plain name (not event_ts, created_ts, row_id, row_digest)`);
    }
    if (!(JOIN_KEY_TYPES as readonly string[]).includes(key.type)) fail(`Invalid ${f}.joinKeys[${j}].type: ${JSON.stringify(key.type)} must be ${JOIN_KEY_TYPES.join(' or ')}`);
    return { name: key.name, type: key.type };
  });
  return { name: e.name, joinKeys, description: e.description === undefined ? '' : checkString(e.description, `${f}.description`, 5000), version: 0 };
}

function normalizeView(v: NonNullable<ApplyInput['views']>[number], i: number): FeatureView {
  const f = `views[${i}]`;
  if (v === null || typeof v !== 'object') fail(`Invalid ${f}: expected { name, entities, schema }`);
  if (typeof v.name !== 'string' || !VIEW_NAME.test(v.name)) fail(`Invalid ${f}.name: ${JSON.stringify(v.name)} must match ${VIEW_NAME}`);
  if (!Array.isArray(v.entities) || v.entities.length === 0) fail(`Invalid ${f}.entities: name at least one entity`);
  if (v.schema === null || typeof v.schema !== 'object' || Object.keys(v.schema).length === 0) fail(`Invalid ${f}.schema: declare at least one feature`);
  if (Object.keys(v.schema).length > 500) fail(`Invalid ${f}.schema: at most 500 features per view`);
  for (const [name, type] of Object.entries(v.schema)) {
    if (!FIELD_NAME.test(name) || RESERVED_COLUMNS.has(name)) fail(`Invalid ${f}.schema.${name}: feature names are plain identifiers other than event_ts, created_ts, row_id, row_digest`);
    if (!(FEATURE_TYPES as readonly string[]).includes(type)) fail(`Invalid ${f}.schema.${name}: ${JSON.stringify(type)} must be one of ${FEATURE_TYPES.join(', ')}`);
  }
  const tags = v.tags ?? {};
  if (tags === null || typeof tags !== 'object') fail(`Invalid ${f}.tags: expected an object of strings`);
  for (const [k, val] of Object.entries(tags)) checkString(val, `${f}.tags.${k}`, 1000);
  return {
    name: v.name,
    entities: [...v.entities],
    schema: { ...v.schema },
    ttlMs: parseTtl(v.ttl, `${f}.ttl`),
    online: v.online ?? true,
    offline: v.offline ?? true,
    owner: v.owner === undefined ? '' : checkString(v.owner, `${f}.owner`, 256),
    tags: { ...tags },
    description: v.description === undefined ? '' : checkString(v.description, `${f}.description`, 5000),
    version: 0,
  };
}

function normalizeService(s: NonNullable<ApplyInput['services']>[number], i: number): FeatureService {
  const f = `services[${i}]`;
  if (s === null || typeof s !== 'object') fail(`Invalid ${f}: expected { name, features }`);
  if (typeof s.name !== 'string' || !/^[\w.-]{1,128}$/.test(s.name)) fail(`Invalid ${f}.name: ${JSON.stringify(s.name)} must be 1-128 of letters, digits, _ . -`);
  if (!Array.isArray(s.features) || s.features.length === 0) fail(`Invalid ${f}.features: list at least one feature ref`);
  s.features.forEach((r, j) => parseRef(r, `${f}.features[${j}]`));
  return { name: s.name, features: [...s.features], description: s.description === undefined ? '' : checkString(s.description, `${f}.description`, 5000), version: 0 };
}

function strip<T extends { version: number }>(d: T): Omit<T, 'version'> {
  const { version: _v, ...rest } = d;
  return rest;
}

export function joinKeysOf(view: FeatureView, defs: Definitions): JoinKey[] {
  const keys: JoinKey[] = [];
  for (const e of view.entities) {
    for (const k of defs.entities.get(e)?.joinKeys ?? []) if (!keys.some((x) => x.name === k.name)) keys.push(k);
  }
  return keys;
}

export async function loadDefinitions(tx: SqlExecutor): Promise<Definitions> {
  const rows = await tx.query<{ kind: Kind; name: string; version: number; definition_json: string }>('SELECT kind, name, version, definition_json FROM features_definitions');
  const defs: Definitions = { entities: new Map(), views: new Map(), services: new Map() };
  for (const r of rows) {
    const value = { ...JSON.parse(r.definition_json), version: Number(r.version) };
    if (r.kind === 'entity') defs.entities.set(r.name, value as Entity);
    else if (r.kind === 'view') defs.views.set(r.name, value as FeatureView);
    else defs.services.set(r.name, value as FeatureService);
  }
  return defs;
}

/**
 * Applies definitions declaratively: new ones are created, changed ones get a new version, the rest
 * stay. Incompatible changes (a type change, a changed key, dropping a feature a service uses) are
 * refused with FAILED_PRECONDITION and nothing is written.
 */
export async function applyDefinitions(tx: SqlExecutor, input: ApplyInput, actor: string, now: number, audit: AuditSink): Promise<ApplyResult> {
  if (input === null || typeof input !== 'object') fail('Invalid apply: expected { entities, views, services }');
  const entities = (input.entities ?? []).map(normalizeEntity);
  const views = (input.views ?? []).map(normalizeView);
  const services = (input.services ?? []).map(normalizeService);
  for (const [list, kind] of [[entities, 'entities'], [views, 'views'], [services, 'services']] as const) {
    const names = list.map((x) => x.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) fail(`Invalid ${kind}: ${JSON.stringify(dup)} appears twice`);
  }
  // Every replica applies its definitions at start-up, at the same moment. The audit chain head, taken
  // before reading, queues them (a transaction-scoped lock on PostgreSQL; SQLite's BEGIN IMMEDIATE
  // already does): each re-reads what the one before it committed, so identical definitions are a
  // no-op, a change is applied once, and a conflict fails the same way in all.
  await audit.lock(tx);
  const current = await loadDefinitions(tx);
  const merged: Definitions = {
    entities: new Map([...current.entities, ...entities.map((e) => [e.name, e] as const)]),
    views: new Map([...current.views, ...views.map((v) => [v.name, v] as const)]),
    services: new Map([...current.services, ...services.map((s) => [s.name, s] as const)]),
  };

  for (const e of entities) {
    const old = current.entities.get(e.name);
    if (old && canonicalJson(old.joinKeys) !== canonicalJson(e.joinKeys)) {
      const users = [...merged.views.values()].filter((v) => v.entities.includes(e.name)).map((v) => v.name);
      if (users.length > 0) throw new FailedPreconditionError(`Entity ${e.name}: join keys cannot change while views use it (${users.join(', ')})`);
    }
  }
  for (const v of views) {
    v.entities.forEach((e, j) => {
      if (!merged.entities.has(e)) throw new FailedPreconditionError(`View ${v.name}: entities[${j}] ${JSON.stringify(e)} is not defined`);
    });
    const old = current.views.get(v.name);
    if (!old) continue;
    if (canonicalJson(old.entities) !== canonicalJson(v.entities)) throw new FailedPreconditionError(`View ${v.name}: its entities cannot change (${old.entities.join(', ')} -> ${v.entities.join(', ')})`);
    if (old.offline !== v.offline) throw new FailedPreconditionError(`View ${v.name}: offline cannot change after creation (was ${old.offline}); define a new view`);
    for (const [feature, type] of Object.entries(v.schema)) {
      const was = old.schema[feature];
      if (was !== undefined && was !== type) throw new FailedPreconditionError(`View ${v.name}: feature ${feature} cannot change type (${was} -> ${type})`);
    }
  }
  for (const s of merged.services.values()) {
    for (const ref of s.features) {
      const { view, feature } = parseRef(ref, `services.${s.name}`);
      const v = merged.views.get(view);
      if (v === undefined || v.schema[feature] === undefined) {
        const dropped = current.views.get(view)?.schema[feature] !== undefined;
        throw new FailedPreconditionError(
          dropped
            ? `View ${view}: feature ${feature} cannot be dropped, feature service ${s.name} uses it`
            : `Feature service ${s.name}: ${ref} is not a defined feature`,
        );
      }
    }
  }

  const changed: string[] = [];
  const write = async (kind: Kind, def: Entity | FeatureView | FeatureService, old: { version: number } | undefined) => {
    const body = canonicalJson(strip(def));
    if (old && canonicalJson(strip(old as typeof def)) === body) return;
    const version = (old?.version ?? 0) + 1;
    await tx.exec(
      `INSERT INTO features_definitions (kind, name, version, definition_json, updated_ts, updated_by) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version, definition_json = excluded.definition_json, updated_ts = excluded.updated_ts, updated_by = excluded.updated_by`,
      [kind, def.name, version, body, now, actor],
    );
    await tx.exec('INSERT INTO features_definition_history (kind, name, version, definition_json, ts, actor) VALUES (?, ?, ?, ?, ?, ?)', [kind, def.name, version, body, now, actor]);
    await audit.append(tx, { actor, action: `feature_${kind}.apply`, resourceKind: 'feature_view', resource: `${kind}:${def.name}`, ...(old ? { before: strip(old as typeof def) } : {}), after: strip(def), details: { version } });
    changed.push(`${kind}:${def.name}`);
  };
  for (const e of entities) await write('entity', e, current.entities.get(e.name));
  for (const v of views) {
    const old = current.views.get(v.name);
    await write('view', v, old);
    if (!v.offline) continue;
    if (!old) {
      await tx.execScript(createOfflineTableSql(v, joinKeysOf(v, merged), tx.dialect));
      continue;
    }
    // New features become new columns; dropped ones keep their column and data.
    for (const [feature, type] of Object.entries(v.schema)) {
      if (old.schema[feature] === undefined) await tx.execScript(`ALTER TABLE ${offlineTable(v.name)} ADD COLUMN ${q(feature)} ${columnType(type, tx.dialect)}`);
    }
  }
  for (const s of services) await write('service', s, current.services.get(s.name));
  return { changed };
}
