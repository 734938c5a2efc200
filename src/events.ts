import type { CoreEvents } from './core/events.js';
import type { ControlsEvents } from './controls/index.js';
import type { FeaturesEvents } from './features/index.js';
import type { MonitoringEvents } from './monitoring/index.js';
import type { RegistryEvents } from './registry/index.js';
import type { ServingEvents } from './serving/index.js';
import type { TrackingEvents } from './tracking/index.js';

/**
 * Every event the runtime emits (`ml.events`): core's own joined with the ones each module declares
 * in its events.ts. A new module event is declared there, and its map is added here once.
 */
export interface MlopsEvents extends CoreEvents, TrackingEvents, RegistryEvents, FeaturesEvents, ServingEvents, MonitoringEvents, ControlsEvents {}
