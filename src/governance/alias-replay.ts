import type { AuditRecord } from './audit-log.js';

/** An alias record whose recorded old version is not the version the log itself set before it. */
export interface AliasMismatch {
  seq: number;
  model: string;
  alias: string;
  action: string;
  /** The old version the record states (`previousVersion` of alias.set, `version` of alias.remove). */
  recorded: number | null;
  /** The version the replay of every earlier record gives. */
  expected: number | null;
}

export interface AliasReplay {
  ok: boolean;
  /** Alias records checked. */
  checked: number;
  mismatches: AliasMismatch[];
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/**
 * Replays alias records in sequence order and checks the content, not only the hash chain: each
 * `alias.set` must name as `previousVersion` the version the alias held after the records before it,
 * and each `alias.remove` the version it removed. Renames carry a model's aliases to its new name.
 * Give it the whole log from seq 1 (a slice starts from unknown state and reports false mismatches).
 */
export function replayAliasRecords(records: Iterable<AuditRecord>): AliasReplay {
  const state = new Map<string, Map<string, number>>();
  const aliasesOf = (model: string) => {
    let m = state.get(model);
    if (m === undefined) state.set(model, (m = new Map()));
    return m;
  };
  const mismatches: AliasMismatch[] = [];
  let checked = 0;
  for (const r of records) {
    const d = r.details ?? {};
    if (r.action === 'alias.set' || r.action === 'alias.remove') {
      checked += 1;
      const alias = String(d.alias);
      const aliases = aliasesOf(r.resource);
      const expected = aliases.get(alias) ?? null;
      const recorded = r.action === 'alias.set' ? num(d.previousVersion) : num(d.version);
      if (recorded !== expected) mismatches.push({ seq: r.seq, model: r.resource, alias, action: r.action, recorded, expected });
      if (r.action === 'alias.set') aliases.set(alias, Number(d.version));
      else aliases.delete(alias);
    } else if (r.action === 'registered_model.rename' && typeof d.from === 'string' && typeof d.to === 'string') {
      state.set(d.to, aliasesOf(d.from));
      state.delete(d.from);
    } else if (r.action === 'registered_model.delete') {
      state.delete(r.resource);
    }
  }
  return { ok: mismatches.length === 0, checked, mismatches };
}
