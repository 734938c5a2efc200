import type { BlobStore } from '../adapters/blob/types.js';
import { isMlopsError } from '../core/errors.js';
import { driftReport, referenceKey, toColumns, type Columns, type ReferenceProfile, type Rows } from '../monitoring/index.js';
import type { TrackingEngine } from '../tracking/index.js';
import type { PolicyReaders } from './policies.js';

/** What approval policies and evidence packs read, from the tracking engine and the artifact store. */
export function policyReaders(tracking: TrackingEngine, blobs: BlobStore): PolicyReaders {
  return {
    getRun: (runId) => tracking.runs.get(runId),
    async artifactExists(runId, path) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : undefined;
      try {
        const entries = await tracking.artifacts.list(runId, dir);
        return entries.some((e) => e.path === path && !e.isDir);
      } catch (err) {
        if (isMlopsError(err) && err.code === 'NOT_FOUND') return false;
        throw err;
      }
    },
    readArtifact: (runId, path) => tracking.artifacts.download(runId, path),
    async loadReference(name, version) {
      try {
        return JSON.parse(Buffer.from(await blobs.get(referenceKey(name, version))).toString('utf8')) as ReferenceProfile;
      } catch (err) {
        if (isMlopsError(err) && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
    compare(reference, current, driftShare) {
      const cur = toColumns(current as Columns | Rows, 'current');
      const ref: Record<string, unknown[]> = {};
      const rows: Record<string, number> = {};
      const shared: Columns = {};
      for (const [name, values] of Object.entries(cur)) {
        const profile = reference.columns[name];
        if (profile === undefined) continue;
        ref[name] = profile.sample;
        rows[name] = profile.rows;
        shared[name] = values;
      }
      return driftReport(ref, shared, { referenceRows: rows, ...(driftShare !== undefined ? { driftShare } : {}) });
    },
  };
}
