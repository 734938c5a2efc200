import type { SqlExecutor } from '../adapters/sql/types.js';
import { chunks } from '../search/index.js';
import type { ApprovalState, ModelSignature, ModelVersion, VersionStatus } from './types.js';

export interface VersionRow {
  model_id: number;
  name: string;
  version: number;
  status: string;
  status_message: string | null;
  source: string;
  run_id: string | null;
  format: string;
  artifact_key: string;
  sha256: string;
  size: number;
  signature_json: string | null;
  description: string;
  created_by: string;
  creation_time: number;
  last_updated_time: number;
  approval: string;
  approval_requested_by: string | null;
}

export const VERSION_SELECT = `SELECT v.*, m.name FROM registry_versions v JOIN registry_models m ON m.model_id = v.model_id`;

/** Adds tags and aliases to version rows. */
export async function hydrateVersions(tx: SqlExecutor, rows: VersionRow[]): Promise<ModelVersion[]> {
  const key = (modelId: number, version: number) => `${modelId}:${version}`;
  const tags = new Map<string, Record<string, string>>();
  const aliases = new Map<string, string[]>();
  for (const group of chunks(rows, 200)) {
    const cond = group.map(() => '(model_id = ? AND version = ?)').join(' OR ');
    const params = group.flatMap((r) => [Number(r.model_id), Number(r.version)]);
    for (const t of await tx.query<{ model_id: number; version: number; key: string; value: string }>(`SELECT model_id, version, key, value FROM registry_version_tags WHERE ${cond}`, params)) {
      const k = key(Number(t.model_id), Number(t.version));
      tags.set(k, { ...tags.get(k), [t.key]: t.value });
    }
    for (const a of await tx.query<{ model_id: number; version: number; alias: string }>(`SELECT model_id, version, alias FROM registry_aliases WHERE ${cond} ORDER BY alias`, params)) {
      const k = key(Number(a.model_id), Number(a.version));
      aliases.set(k, [...(aliases.get(k) ?? []), a.alias]);
    }
  }
  return rows.map((r) => {
    const k = key(Number(r.model_id), Number(r.version));
    return {
      name: r.name,
      version: Number(r.version),
      status: r.status as VersionStatus,
      ...(r.status_message ? { statusMessage: r.status_message } : {}),
      source: r.source,
      ...(r.run_id ? { runId: r.run_id } : {}),
      // A version registered from a logged model keeps it in its source (`models:/m-…`).
      ...(/^models:\/m-[0-9a-f]{32}$/.test(r.source) ? { modelId: r.source.slice('models:/'.length) } : {}),
      format: r.format as 'onnx' | 'opaque',
      sha256: r.sha256,
      size: Number(r.size),
      signature: r.signature_json === null ? null : (JSON.parse(r.signature_json) as ModelSignature),
      description: r.description,
      tags: tags.get(k) ?? {},
      aliases: aliases.get(k) ?? [],
      approval: r.approval as ApprovalState,
      ...(r.approval_requested_by ? { approvalRequestedBy: r.approval_requested_by } : {}),
      createdBy: r.created_by,
      creationTime: Number(r.creation_time),
      lastUpdatedTime: Number(r.last_updated_time),
    };
  });
}
