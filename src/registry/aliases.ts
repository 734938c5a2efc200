import { FailedPreconditionError, NotFoundError } from '../core/errors.js';
import { bumpChanges, modelId, type RegistryContext } from './context.js';
import { checkAlias, checkModelName, checkVersion } from './names.js';
import type { ModelVersion } from './types.js';
import type { VersionStore } from './version-store.js';
import { VERSION_SELECT, hydrateVersions, type VersionRow } from './version-rows.js';

/** Aliases (`champion`, `challenger`): only approved versions may hold one. */
export class Aliases {
  constructor(
    private readonly ctx: RegistryContext,
    private readonly versions: VersionStore,
  ) {}

  async set(name: string, alias: string, version: number, actor: string): Promise<ModelVersion> {
    checkModelName(name);
    checkAlias(alias);
    const v = checkVersion(version);
    let previous: number | undefined;
    await this.ctx.sql.transaction(async (tx) => {
      // The model row first (the registry's lock order, context.ts): alias writers and revocations of
      // this model queue here, so the old version read below is the one this write replaces.
      await modelId(tx, name, true);
      const row = await this.versions.row(tx, name, v, true);
      if (row.approval !== 'approved') {
        throw new FailedPreconditionError(`Alias ${JSON.stringify(alias)} may only point at an approved version; ${name}/${v} is ${row.approval}`, {
          details: { approval: row.approval },
        });
      }
      const [old] = await tx.query<{ version: number }>('SELECT version FROM registry_aliases WHERE model_id = ? AND alias = ?', [row.model_id, alias]);
      previous = old === undefined ? undefined : Number(old.version);
      await tx.exec('INSERT INTO registry_aliases (model_id, alias, version) VALUES (?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version', [
        row.model_id,
        alias,
        v,
      ]);
      await this.ctx.audit.append(tx, {
        actor,
        action: 'alias.set',
        resourceKind: 'registered_model',
        resource: name,
        before: previous === undefined ? undefined : { alias, version: previous },
        after: { alias, version: v },
        details: { alias, version: v, ...(previous !== undefined ? { previousVersion: previous } : {}) },
      });
      await bumpChanges(tx);
    });
    this.ctx.events.emit('registry.alias.set', { name, alias, version: v, ...(previous !== undefined ? { previousVersion: previous } : {}) });
    return this.versions.get(name, v);
  }

  async delete(name: string, alias: string, actor: string): Promise<void> {
    checkModelName(name);
    checkAlias(alias);
    let version = 0;
    await this.ctx.sql.transaction(async (tx) => {
      const id = await modelId(tx, name, true);
      const [old] = await tx.query<{ version: number }>('SELECT version FROM registry_aliases WHERE model_id = ? AND alias = ?', [id, alias]);
      if (old === undefined) throw new NotFoundError(`Registered model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}`, { details: { field: 'alias', value: alias } });
      version = Number(old.version);
      await tx.exec('DELETE FROM registry_aliases WHERE model_id = ? AND alias = ?', [id, alias]);
      await this.ctx.audit.append(tx, { actor, action: 'alias.remove', resourceKind: 'registered_model', resource: name, before: { alias, version }, details: { alias, version, cause: 'deleted' } });
      await bumpChanges(tx);
    });
    this.ctx.events.emit('registry.alias.removed', { name, alias, version, cause: 'deleted' });
  }

  /** The version an alias points at; `latest` is the highest READY version. */
  async get(name: string, alias: string): Promise<ModelVersion> {
    checkModelName(name);
    if (alias === 'latest') {
      const rows = await this.ctx.sql.query<VersionRow>(`${VERSION_SELECT} WHERE m.name = ? AND v.status = 'READY' ORDER BY v.version DESC LIMIT 1`, [name]);
      if (rows.length === 0) {
        await modelId(this.ctx.sql, name);
        throw new NotFoundError(`Registered model ${JSON.stringify(name)} has no READY version`);
      }
      return (await hydrateVersions(this.ctx.sql, rows))[0] as ModelVersion;
    }
    checkAlias(alias);
    const rows = await this.ctx.sql.query<VersionRow>(
      `${VERSION_SELECT} JOIN registry_aliases a ON a.model_id = v.model_id AND a.version = v.version WHERE m.name = ? AND a.alias = ?`,
      [name, alias],
    );
    if (rows.length === 0) {
      await modelId(this.ctx.sql, name);
      throw new NotFoundError(`Registered model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}`, { details: { field: 'alias', value: alias } });
    }
    return (await hydrateVersions(this.ctx.sql, rows))[0] as ModelVersion;
  }
}
