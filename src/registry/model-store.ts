import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError } from '../core/errors.js';
import type { SqlExecutor } from '../adapters/sql/types.js';
import { LIMITS, checkKey, checkString } from '../search/index.js';
import { chunks, placeholders } from '../search/index.js';
import type { SearchSchema } from '../search/index.js';
import { compileFilter, compileOrder, type SqlEntity } from '../search/index.js';
import { planSearch } from '../search/index.js';
import { bumpChanges, modelId, type RegistryContext } from './context.js';
import { checkModelName } from './names.js';
import type { RegisteredModel } from './types.js';

const MODEL_SEARCH: SearchSchema = {
  entity: 'registered models',
  attributes: { name: 'string', creation_time: 'number', last_updated_time: 'number', created_by: 'string' },
  // MLflow's names for the same columns (order_by=['last_updated_timestamp DESC']).
  attributeAliases: { creation_timestamp: 'creation_time', last_updated_timestamp: 'last_updated_time', user_id: 'created_by' },
  kinds: new Set(['tag']),
  bareAttributes: true,
};

const MODEL_SQL: SqlEntity = {
  alias: 'm',
  idColumn: 'model_id',
  columns: { name: 'm.name', creation_time: 'm.creation_time', last_updated_time: 'm.last_updated_time', created_by: 'm.created_by' },
  children: { tag: { table: 'registry_model_tags', fk: 'model_id' } },
  tieBreakers: [{ column: 'm.name', descending: false, text: true }],
  textAttributes: new Set(['name', 'created_by']),
};

interface ModelRow {
  model_id: number;
  name: string;
  description: string;
  created_by: string;
  creation_time: number;
  last_updated_time: number;
}

export function checkDescription(value: unknown, field = 'description'): string {
  if (value === undefined) return '';
  return checkString(value, field, 5000);
}

export function checkTagMap(tags: unknown, field: string): Array<[string, string]> {
  if (tags === undefined) return [];
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw new InvalidArgumentError(`Invalid ${field}: expected an object of strings`);
  return Object.entries(tags as Record<string, unknown>).map(([k, v]) => [checkKey(k, `${field} key`), checkString(v, `${field}.${k}`, LIMITS.tagValue)]);
}

/** Registered models: unique names, description, tags, rename, search; deletion guarded by aliases. */
export class ModelStore {
  constructor(private readonly ctx: RegistryContext) {}

  async create(input: { name: string; description?: string; tags?: Record<string, string> }, actor: string): Promise<RegisteredModel> {
    if (input === null || typeof input !== 'object') throw new InvalidArgumentError('Invalid createRegisteredModel: expected { name }');
    const name = checkModelName(input.name);
    const description = checkDescription(input.description);
    const tags = checkTagMap(input.tags, 'tags');
    const now = this.ctx.clock.now();
    try {
      await this.ctx.sql.transaction(async (tx) => {
        const [row] = await tx.query<{ model_id: number }>(
          'INSERT INTO registry_models (name, description, created_by, creation_time, last_updated_time) VALUES (?, ?, ?, ?, ?) RETURNING model_id',
          [name, description, actor, now, now],
        );
        const id = Number(row?.model_id);
        if (tags.length > 0) await tx.insertMany('registry_model_tags', ['model_id', 'key', 'value'], tags.map(([k, v]) => [id, k, v]));
        await this.ctx.audit.append(tx, { actor, action: 'registered_model.create', resourceKind: 'registered_model', resource: name, after: { name, description, tags: Object.fromEntries(tags) } });
        await bumpChanges(tx);
      });
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new AlreadyExistsError(`Registered model ${JSON.stringify(name)} already exists`, { cause: err, details: { field: 'name', value: name } });
      throw err;
    }
    return this.get(name);
  }

  async get(name: string, tx: SqlExecutor = this.ctx.sql): Promise<RegisteredModel> {
    checkModelName(name);
    const id = await modelId(tx, name);
    const [model] = await this.hydrate(tx, await tx.query<ModelRow>('SELECT * FROM registry_models WHERE model_id = ?', [id]));
    return model as RegisteredModel;
  }

  async rename(name: string, newName: string, actor: string): Promise<RegisteredModel> {
    checkModelName(name);
    const target = checkModelName(newName, 'newName');
    try {
      await this.ctx.sql.transaction(async (tx) => {
        const id = await modelId(tx, name, true);
        await tx.exec('UPDATE registry_models SET name = ?, last_updated_time = ? WHERE model_id = ?', [target, this.ctx.clock.now(), id]);
        await this.ctx.audit.append(tx, { actor, action: 'registered_model.rename', resourceKind: 'registered_model', resource: target, before: { name }, after: { name: target }, details: { from: name, to: target } });
        await bumpChanges(tx);
      });
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new AlreadyExistsError(`Registered model ${JSON.stringify(target)} already exists`, { cause: err });
      throw err;
    }
    this.ctx.events.emit('registry.model.renamed', { from: name, to: target });
    return this.get(target);
  }

  async update(name: string, input: { description?: string }, actor: string): Promise<RegisteredModel> {
    checkModelName(name);
    const description = checkDescription(input?.description);
    await this.ctx.sql.transaction(async (tx) => {
      await modelId(tx, name, true);
      const before = await this.get(name, tx);
      await tx.exec('UPDATE registry_models SET description = ?, last_updated_time = ? WHERE name = ?', [description, this.ctx.clock.now(), name]);
      await this.ctx.audit.append(tx, { actor, action: 'registered_model.update', resourceKind: 'registered_model', resource: name, before: { description: before.description }, after: { description } });
    });
    return this.get(name);
  }

  async setTag(name: string, key: string, value: string, actor: string): Promise<void> {
    checkModelName(name);
    const [[k, v]] = checkTagMap({ [checkKey(key, 'key')]: value }, 'tag') as [[string, string]];
    await this.ctx.sql.transaction(async (tx) => {
      const id = await modelId(tx, name);
      await tx.exec('INSERT INTO registry_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value', [id, k, v]);
      await this.ctx.audit.append(tx, { actor, action: 'registered_model.set_tag', resourceKind: 'registered_model', resource: name, after: { [k]: v }, details: { key: k } });
    });
  }

  async deleteTag(name: string, key: string, actor: string): Promise<void> {
    checkModelName(name);
    checkKey(key, 'key');
    await this.ctx.sql.transaction(async (tx) => {
      const id = await modelId(tx, name);
      await tx.exec('DELETE FROM registry_model_tags WHERE model_id = ? AND key = ?', [id, key]);
      await this.ctx.audit.append(tx, { actor, action: 'registered_model.delete_tag', resourceKind: 'registered_model', resource: name, details: { key } });
    });
  }

  /** Deletes the model and its versions; refused while any version holds an alias (it may be serving). */
  async delete(name: string, actor: string): Promise<string[]> {
    checkModelName(name);
    const keys = await this.ctx.sql.transaction(async (tx) => {
      const id = await modelId(tx, name, true);
      const aliases = await tx.query<{ alias: string; version: number }>('SELECT alias, version FROM registry_aliases WHERE model_id = ?', [id]);
      if (aliases.length > 0) {
        throw new FailedPreconditionError(
          `Registered model ${JSON.stringify(name)} cannot be deleted while aliases point at it (${aliases.map((a) => `${a.alias} -> v${a.version}`).join(', ')}); remove them first`,
        );
      }
      const blobs = await tx.query<{ artifact_key: string }>('SELECT artifact_key FROM registry_versions WHERE model_id = ?', [id]);
      await tx.exec('DELETE FROM registry_approvals WHERE model_id = ?', [id]);
      await tx.exec('DELETE FROM registry_version_tags WHERE model_id = ?', [id]);
      await tx.exec('DELETE FROM registry_versions WHERE model_id = ?', [id]);
      await tx.exec('DELETE FROM registry_model_tags WHERE model_id = ?', [id]);
      await tx.exec('DELETE FROM registry_models WHERE model_id = ?', [id]);
      await this.ctx.audit.append(tx, { actor, action: 'registered_model.delete', resourceKind: 'registered_model', resource: name, before: { name } });
      await bumpChanges(tx);
      return blobs.map((b) => b.artifact_key);
    });
    return keys;
  }

  async search(options: { filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<{ registeredModels: RegisteredModel[]; nextPageToken?: string }> {
    const plan = planSearch(options, { schema: MODEL_SEARCH, scope: { name: 'models' }, defaultResults: 100 });
    const dialect = this.ctx.sql.dialect.name;
    const where = compileFilter(plan.expr, MODEL_SQL, dialect);
    const ord = compileOrder(plan.order, MODEL_SQL, dialect);
    const rows = await this.ctx.sql.query<ModelRow>(
      `SELECT m.* FROM registry_models m ${ord.joins} WHERE ${where.sql} ORDER BY ${ord.orderBy} LIMIT ? OFFSET ?`,
      [...ord.joinParams, ...where.params, plan.limit, plan.offset],
    );
    const page = plan.page(rows);
    const registeredModels = await this.hydrate(this.ctx.sql, page.rows);
    return page.nextPageToken !== undefined ? { registeredModels, nextPageToken: page.nextPageToken } : { registeredModels };
  }

  private async hydrate(tx: SqlExecutor, rows: ModelRow[]): Promise<RegisteredModel[]> {
    const tags = new Map<number, Record<string, string>>();
    const aliases = new Map<number, Record<string, number>>();
    const latest = new Map<number, number>();
    for (const ids of chunks(rows.map((r) => Number(r.model_id)))) {
      const list = placeholders(ids.length);
      for (const t of await tx.query<{ model_id: number; key: string; value: string }>(`SELECT model_id, key, value FROM registry_model_tags WHERE model_id IN (${list})`, ids)) {
        tags.set(Number(t.model_id), { ...tags.get(Number(t.model_id)), [t.key]: t.value });
      }
      for (const a of await tx.query<{ model_id: number; alias: string; version: number }>(`SELECT model_id, alias, version FROM registry_aliases WHERE model_id IN (${list})`, ids)) {
        aliases.set(Number(a.model_id), { ...aliases.get(Number(a.model_id)), [a.alias]: Number(a.version) });
      }
      for (const v of await tx.query<{ model_id: number; v: number }>(`SELECT model_id, MAX(version) AS v FROM registry_versions WHERE model_id IN (${list}) GROUP BY model_id`, ids)) {
        latest.set(Number(v.model_id), Number(v.v));
      }
    }
    return rows.map((r) => ({
      name: r.name,
      description: r.description,
      tags: tags.get(Number(r.model_id)) ?? {},
      aliases: aliases.get(Number(r.model_id)) ?? {},
      latestVersion: latest.get(Number(r.model_id)) ?? null,
      createdBy: r.created_by,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
    }));
  }
}
