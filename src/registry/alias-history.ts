import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { AuditQuery, AuditRecord } from '../governance/index.js';
import { checkAlias, checkModelName, parseModelRef } from './names.js';
import type { AliasPeriod } from './types.js';

export type AuditReader = (q: AuditQuery) => Promise<AuditRecord[]>;

/** Every `alias.set` / `alias.remove` record of a model, oldest first, paged through the audit log. */
export async function aliasRecords(read: AuditReader, name: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await read({ resourceKind: 'registered_model', resource: name, afterSeq, limit: 10_000 });
    for (const r of page) if (r.action === 'alias.set' || r.action === 'alias.remove') out.push(r);
    if (page.length < 10_000) return out;
    afterSeq = (page[page.length - 1] as AuditRecord).seq;
  }
}

/**
 * Which version an alias pointed at, and when, rebuilt from the hash-chained audit log (MLflow's
 * mlflow#2169): rewriting this history means breaking the chain, which `audit.verify()` reports.
 */
export async function aliasHistory(read: AuditReader, name: string, alias: string): Promise<AliasPeriod[]> {
  checkModelName(name);
  checkAlias(alias);
  const periods: AliasPeriod[] = [];
  for (const r of await aliasRecords(read, name)) {
    if (r.details?.alias !== alias) continue;
    const open = periods[periods.length - 1];
    if (open !== undefined && open.to === null) {
      open.to = r.ts;
      open.endSeq = r.seq;
    }
    if (r.action === 'alias.set') {
      periods.push({ version: Number(r.details.version), from: r.ts, to: null, actor: r.actor, ...(r.reason !== null ? { reason: r.reason } : {}), setSeq: r.seq });
    }
  }
  return periods;
}

/** The version `name@alias` pointed at at `timestamp` (ms, Date or ISO text); NOT_FOUND when none did. */
export async function resolveAt(read: AuditReader, ref: string, timestamp: number | string | Date): Promise<{ name: string; alias: string; version: number; period: AliasPeriod }> {
  const parsed = parseModelRef(ref);
  if (!('alias' in parsed)) throw new InvalidArgumentError(`Invalid ref: ${JSON.stringify(ref)} names a version; resolveAt takes name@alias`, { details: { field: 'ref', value: ref } });
  const at = timestamp instanceof Date ? timestamp.getTime() : typeof timestamp === 'string' ? Date.parse(timestamp) : timestamp;
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new InvalidArgumentError(`Invalid timestamp: ${JSON.stringify(timestamp)} must be ms since the epoch, a Date or ISO 8601 text`, { details: { field: 'timestamp' } });
  const periods = await aliasHistory(read, parsed.name, parsed.alias);
  const hit = periods.find((p) => p.from <= at && (p.to === null || at < p.to));
  if (hit === undefined) {
    throw new NotFoundError(`${parsed.name}@${parsed.alias} pointed at no version at ${new Date(at).toISOString()}`, { details: { field: 'timestamp', value: at } });
  }
  return { name: parsed.name, alias: parsed.alias, version: hit.version, period: hit };
}
