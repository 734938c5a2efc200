export const FEATURE_TYPES = ['int64', 'float64', 'float32', 'string', 'bool', 'timestamp', 'float32_vector'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const JOIN_KEY_TYPES = ['string', 'int64'] as const;
export type JoinKeyType = (typeof JOIN_KEY_TYPES)[number];

export interface JoinKey {
  name: string;
  type: JoinKeyType;
}

/** An entity as given to apply(): join keys as names (string-typed) or `{ name, type }`. */
export interface EntityInput {
  name: string;
  joinKeys: Array<string | JoinKey>;
  description?: string;
}

export interface Entity {
  name: string;
  joinKeys: JoinKey[];
  description: string;
  version: number;
}

export interface FeatureViewInput {
  name: string;
  entities: string[];
  schema: Record<string, FeatureType>;
  /** How long a value stays valid after its event time: `'10m'`, `'1h'`, `'500ms'`, ms, or 0 for ever. */
  ttl?: string | number;
  online?: boolean;
  offline?: boolean;
  owner?: string;
  tags?: Record<string, string>;
  description?: string;
}

export interface FeatureView {
  name: string;
  entities: string[];
  schema: Record<string, FeatureType>;
  ttlMs: number;
  online: boolean;
  offline: boolean;
  owner: string;
  tags: Record<string, string>;
  description: string;
  version: number;
}

export interface FeatureServiceInput {
  name: string;
  /** Feature refs `view:feature`, e.g. one list per model version. */
  features: string[];
  description?: string;
}

export interface FeatureService {
  name: string;
  features: string[];
  description: string;
  version: number;
}

export interface ApplyInput {
  entities?: EntityInput[];
  views?: FeatureViewInput[];
  services?: FeatureServiceInput[];
}

export interface ApplyResult {
  /** `kind:name` of each definition created or changed (unchanged ones are left out). */
  changed: string[];
}

export type PushTarget = 'online' | 'offline' | 'online_and_offline';

/** A row to push: join keys, `event_ts` (ms, Date or ISO string) and feature values. */
export type FeatureRow = Record<string, unknown>;

export type OnlineStatus = 'PRESENT' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE';

/**
 * What a read does when the online store is unavailable: `fail` with UNAVAILABLE (the default), or
 * read the newest value per entity from the offline store (`offline`; slower, marked `degraded`).
 */
export type OnlineUnavailablePolicy = 'fail' | 'offline';
export const ONLINE_UNAVAILABLE_POLICIES: readonly OnlineUnavailablePolicy[] = ['fail', 'offline'];

export interface OnlineRequest {
  /** Feature refs `view:feature`; or name a feature service instead. */
  features?: string[];
  featureService?: string;
  /** One object of join key values per entity. */
  entities: Array<Record<string, unknown>>;
  /** When the online store is unavailable (or being refilled after a restart). Default `fail`. */
  onUnavailable?: OnlineUnavailablePolicy;
}

export interface OnlineResult {
  rows: Array<{ values: Record<string, unknown>; status: Record<string, OnlineStatus> }>;
  /** True when the values came from the offline store because the online store was unavailable. */
  degraded?: boolean;
}

export interface HistoricalRequest {
  /** Join keys plus `event_ts` per row: each gets the values as of its own time. */
  entityRows: Array<Record<string, unknown>>;
  features?: string[];
  featureService?: string;
}

export interface MaterializeProgress {
  view: string;
  written: number;
  start: number;
  end: number;
}
