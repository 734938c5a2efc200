import type { CoreEvents, EventBus } from '../core/events.js';
import type { RegistryEvents } from '../registry/index.js';
/** The events serving/ emits; runtime.ts joins them into `MlopsEvents` (see src/core/events.ts). */
export interface ServingEvents {
  'serving.shadow': [{ model: string; route: string; version: number | null; outputs: Record<string, { data: ArrayLike<unknown>; dims: number[]; type: string }> }];
}

/** The bus as serving/ sees it: the events it emits and the ones it listens to. */
export type ServingBus = EventBus<CoreEvents & RegistryEvents & ServingEvents>;
