import type { HaltTarget } from './targets.js';

import type { CoreEvents, EventBus } from '../core/events.js';
import type { RegistryEvents } from '../registry/index.js';

/** The events controls/ emits (joined into `MlopsEvents`). */
export interface ControlsEvents {
  /** A kill-switch halt took effect in this process (made here or seen from another process). */
  'controls.halted': [{ target: HaltTarget; haltedBy: string; reason: string }];
  'controls.resumed': [{ target: HaltTarget }];
  /** An output guard caught a value; `action` is what was done with it. */
  'controls.guard.violation': [{ model: string; version: number | null; output: string; guard: string; value: number; action: 'reject' | 'clamp' | 'fallback' }];
}

/** The bus as controls/ sees it: what it emits, and the registry events it follows (renames, alias moves). */
export type ControlsBus = EventBus<CoreEvents & RegistryEvents & ControlsEvents>;
