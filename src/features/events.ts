import type { CoreEvents, EventBus } from '../core/events.js';
/** The events features/ emits; runtime.ts joins them into `MlopsEvents` (see src/core/events.ts). */
export interface FeaturesEvents {
  'features.pushed': [{ view: string; rows: ReadonlyArray<Record<string, unknown>>; to: string }];
  /** `total`: entities in the range (rows the job writes, when it started from the beginning). */
  /** The online store came back empty (a Redis restarted without persistence); a refill starts. */
  'features.online.reset': [{ reason: string }];
  /** The refill after a reset finished: entities written per view. */
  'features.online.restored': [{ views: Record<string, number>; durationMs: number }];
  'features.materialize.progress': [{ view: string; written: number; total?: number; start: number; end: number }];
}

/** The bus as features/ sees it: the events it emits and the ones it listens to. */
export type FeaturesBus = EventBus<CoreEvents & FeaturesEvents>;
