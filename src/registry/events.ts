import type { CoreEvents, EventBus } from '../core/events.js';
/** The events registry/ emits; runtime.ts joins them into `MlopsEvents` (see src/core/events.ts). */
export interface RegistryEvents {
  'registry.model.renamed': [{ from: string; to: string }];
  'registry.version.created': [{ name: string; version: number; status: string }];
  'registry.approval.changed': [{ name: string; version: number; from: string; to: string; actor: string; reason?: string }];
  'registry.alias.set': [{ name: string; alias: string; version: number; previousVersion?: number }];
  'registry.alias.removed': [{ name: string; alias: string; version: number; cause: 'deleted' | 'revoked' }];
}

/** The bus as registry/ sees it: the events it emits and the ones it listens to. */
export type RegistryBus = EventBus<CoreEvents & RegistryEvents>;
