import type { SearchSchema } from '../search/index.js';
import type { SqlEntity } from '../search/index.js';

export const RUN_SEARCH_SCHEMA: SearchSchema = {
  entity: 'runs',
  attributes: {
    run_id: 'string',
    run_name: 'string',
    status: 'string',
    artifact_uri: 'string',
    user_id: 'string',
    lifecycle_stage: 'string',
    start_time: 'number',
    end_time: 'number',
  },
  attributeAliases: { created: 'start_time', Created: 'start_time', runName: 'run_name', run_uuid: 'run_id' },
  kinds: new Set(['metric', 'param', 'tag']),
  bareAttributes: false,
};

export const RUN_SQL_ENTITY: SqlEntity = {
  alias: 'r',
  idColumn: 'run_id',
  columns: {
    run_id: 'r.run_id',
    run_name: 'r.run_name',
    status: 'r.status',
    artifact_uri: 'r.artifact_uri',
    user_id: 'r.user_id',
    lifecycle_stage: 'r.lifecycle_stage',
    start_time: 'r.start_time',
    end_time: 'r.end_time',
  },
  children: {
    metric: { table: 'tracking_latest_metrics', fk: 'run_id', nanColumn: 'is_nan' },
    param: { table: 'tracking_params', fk: 'run_id' },
    tag: { table: 'tracking_tags', fk: 'run_id' },
  },
  tieBreakers: [
    { column: 'r.start_time', descending: true, text: false },
    { column: 'r.run_id', descending: false, text: true },
  ],
  textAttributes: new Set(['run_id', 'run_name', 'status', 'artifact_uri', 'user_id', 'lifecycle_stage']),
};

export const EXPERIMENT_SEARCH_SCHEMA: SearchSchema = {
  entity: 'experiments',
  attributes: { name: 'string', experiment_id: 'string', creation_time: 'number', last_update_time: 'number', lifecycle_stage: 'string' },
  kinds: new Set(['tag']),
  bareAttributes: true,
};

export const EXPERIMENT_SQL_ENTITY: SqlEntity = {
  alias: 'e',
  idColumn: 'experiment_id',
  columns: {
    name: 'e.name',
    experiment_id: 'CAST(e.experiment_id AS TEXT)',
    creation_time: 'e.creation_time',
    last_update_time: 'e.last_update_time',
    lifecycle_stage: 'e.lifecycle_stage',
  },
  children: { tag: { table: 'tracking_experiment_tags', fk: 'experiment_id' } },
  tieBreakers: [
    { column: 'e.creation_time', descending: true, text: false },
    { column: 'e.experiment_id', descending: false, text: false },
  ],
  textAttributes: new Set(['name', 'lifecycle_stage']),
};

export const LOGGED_MODEL_SEARCH_SCHEMA: SearchSchema = {
  entity: 'logged models',
  attributes: {
    name: 'string',
    model_id: 'string',
    status: 'string',
    source_run_id: 'string',
    model_type: 'string',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
  },
  attributeAliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp', run_id: 'source_run_id' },
  kinds: new Set(['param', 'tag']),
  bareAttributes: true,
};

export const LOGGED_MODEL_SQL_ENTITY: SqlEntity = {
  alias: 'lm',
  idColumn: 'model_id',
  columns: {
    name: 'lm.name',
    model_id: 'lm.model_id',
    status: 'lm.status',
    source_run_id: 'lm.source_run_id',
    model_type: 'lm.model_type',
    creation_timestamp: 'lm.creation_time',
    last_updated_timestamp: 'lm.last_updated_time',
  },
  children: {
    param: { table: 'tracking_logged_model_params', fk: 'model_id' },
    tag: { table: 'tracking_logged_model_tags', fk: 'model_id' },
  },
  tieBreakers: [
    { column: 'lm.creation_time', descending: true, text: false },
    { column: 'lm.model_id', descending: false, text: true },
  ],
  textAttributes: new Set(['name', 'model_id', 'status', 'source_run_id', 'model_type']),
};
