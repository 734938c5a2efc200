import type { CoreEvents, EventBus } from '../core/events.js';
import type { FeaturesEvents } from '../features/index.js';
import type { DriftReport } from './drift.js';

/** The events monitoring/ emits; runtime.ts joins them into `MlopsEvents` (see src/core/events.ts). */
export interface MonitoringEvents {
  'monitoring.report': [{ model: string; report: DriftReport }];
  'drift.detected': [{ model: string; report: DriftReport }];
}

/** The bus as monitoring/ sees it: the events it emits and the ones it listens to. */
export type MonitoringBus = EventBus<CoreEvents & FeaturesEvents & MonitoringEvents>;
