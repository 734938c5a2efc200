import type { CoreEvents, EventBus } from '../core/events.js';
/** The events tracking/ emits; runtime.ts joins them into `MlopsEvents` (see src/core/events.ts). */
export interface TrackingEvents {
  'tracking.run.created': [{ runId: string; experimentId: string }];
  'tracking.run.updated': [{ runId: string; status: string }];
}

/** The bus as tracking/ sees it: the events it emits and the ones it listens to. */
export type TrackingBus = EventBus<CoreEvents & TrackingEvents>;
