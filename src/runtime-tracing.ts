import type { Attributes } from '@opentelemetry/api';
import type { SqlDriver } from './adapters/sql/types.js';
import type { KvStore } from './adapters/kv/types.js';
import { instrumentMethods, type InstrumentOptions, type SpanSpec } from './core/tracing.js';

/**
 * Which facade methods get a span, and with what attributes: one table per facade, applied when the
 * runtime builds the facade. `db.*`/`server.*` follow OpenTelemetry's database conventions.
 */
type Specs = Readonly<Record<string, SpanSpec>>;

export function storeAttributes(stores: { metadata: SqlDriver; online: KvStore }): { metadata: Attributes; online: Attributes } {
  const sql = stores.metadata.dialect.name;
  const online = stores.online.constructor.name.toLowerCase().includes('redis') ? 'redis' : 'memory';
  return {
    metadata: { 'db.system': sql === 'postgres' ? 'postgresql' : sql },
    online: { 'db.system': online },
  };
}

const named = (key: string) => (args: readonly unknown[]): Attributes => (typeof args[0] === 'string' ? { [key]: args[0] } : {});
const modelVersion = (args: readonly unknown[]): Attributes => ({
  ...(typeof args[0] === 'string' ? { 'mlops.model.name': args[0] } : {}),
  ...(typeof args[1] === 'number' ? { 'mlops.model.version': args[1] } : {}),
});

export function trackingSpans(db: Attributes): Specs {
  return {
    logBatch: {
      name: 'mlops.tracking.log_batch',
      attributes: (a) => {
        const input = (a[1] ?? {}) as { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] };
        return { ...db, 'mlops.run.id': String(a[0]), 'mlops.batch.metrics': input.metrics?.length ?? 0, 'mlops.batch.params': input.params?.length ?? 0, 'mlops.batch.tags': input.tags?.length ?? 0 };
      },
    },
    searchRuns: { name: 'mlops.tracking.search_runs', attributes: (a) => ({ ...db, 'mlops.search.filter': String((a[0] as { filter?: string } | undefined)?.filter ?? '') }) },
  };
}

export function registrySpans(db: Attributes): Specs {
  const transition = (op: string): SpanSpec => ({ name: `mlops.registry.${op}`, attributes: (a) => ({ ...db, ...modelVersion(a) }) });
  return {
    createModelVersion: { name: 'mlops.registry.create_model_version', attributes: (a) => ({ ...db, 'mlops.model.name': String((a[0] as { name?: string } | undefined)?.name ?? '') }) },
    requestApproval: transition('request_approval'),
    approve: transition('approve'),
    reject: transition('reject'),
    revoke: transition('revoke'),
    setAlias: { name: 'mlops.registry.set_alias', attributes: (a) => ({ ...db, ...named('mlops.model.name')(a), 'mlops.model.alias': String(a[1]), 'mlops.model.version': Number(a[2]) }) },
    deleteAlias: { name: 'mlops.registry.delete_alias', attributes: (a) => ({ ...db, ...named('mlops.model.name')(a), 'mlops.model.alias': String(a[1]) }) },
  };
}

export function featureSpans(db: { metadata: Attributes; online: Attributes }): Specs {
  const refs = (a: readonly unknown[]) => (a[0] as { features?: unknown[]; entities?: unknown[]; entityRows?: unknown[] } | undefined) ?? {};
  return {
    getOnline: {
      name: 'mlops.features.get_online',
      hot: true,
      attributes: (a) => ({ ...db.online, 'mlops.features.count': refs(a).features?.length ?? 0, 'mlops.entities.count': refs(a).entities?.length ?? 0 }),
    },
    getHistorical: { name: 'mlops.features.get_historical', attributes: (a) => ({ ...db.metadata, 'mlops.entities.count': refs(a).entityRows?.length ?? 0 }) },
    push: {
      name: 'mlops.features.push',
      attributes: (a) => ({ ...db.online, 'mlops.feature_view': String(a[0]), 'mlops.rows.count': Array.isArray(a[1]) ? a[1].length : 0, 'mlops.push.to': String((a[2] as { to?: string } | undefined)?.to ?? 'online_and_offline') }),
    },
    materialize: { name: 'mlops.features.materialize', attributes: () => ({ ...db.metadata }) },
    materializeIncremental: { name: 'mlops.features.materialize_incremental', attributes: () => ({ ...db.metadata }) },
  };
}

/** predict() on a loaded model: a span only inside a recording parent (see SpanSpec.hot). */
function modelSpans(model: { name?: string; version?: number | null }): Specs {
  return {
    predict: {
      name: 'mlops.serving.predict',
      hot: true,
      attributes: (a) => {
        const input = a[0];
        const entities = input !== null && typeof input === 'object' && Array.isArray((input as { entities?: unknown[] }).entities) ? (input as { entities: unknown[] }).entities.length : undefined;
        return {
          'mlops.model.name': String(model.name ?? ''),
          ...(typeof model.version === 'number' ? { 'mlops.model.version': model.version } : {}),
          ...(entities !== undefined ? { 'mlops.entities.count': entities } : {}),
        };
      },
    },
  };
}

export function servingSpans(options: InstrumentOptions): Specs {
  return {
    load: {
      name: 'mlops.serving.load',
      attributes: (a) => (typeof a[0] === 'string' ? { 'mlops.model.ref': a[0] } : {}),
      result: (model) => {
        if (model !== null && typeof model === 'object') instrumentMethods(model, modelSpans(model as { name?: string; version?: number | null }), options);
      },
    },
  };
}
