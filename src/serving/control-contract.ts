import type { ModelSignature } from '../registry/index.js';
import type { ServedModel } from './served-model.js';

// Serving's contract with the trading controls (src/controls sits above serving and implements it):
// serving declares what it passes and what it calls, so it never imports the controls module.

/** Pre-trade style limits on one output (RTS 6 Art. 15: price collars, maximum values). */
export interface OutputGuard {
  min?: number;
  max?: number;
  /** NaN and ±Infinity are violations. */
  finite?: boolean;
  /** Largest change from the previous answered value of the same output element. */
  maxAbsChange?: number;
}

export type GuardSpec = Record<string, OutputGuard>;

export const VIOLATION_POLICIES = ['reject', 'clamp', 'fallback'] as const;
export type ViolationPolicy = (typeof VIOLATION_POLICIES)[number];

/** A fixed safe answer per row ("no signal"), per output: one number, or one list for the row. */
export interface FixedAnswer {
  outputs: Record<string, number | number[]>;
}

/** Load options the controls add to ml.serving.load(). */
export interface ControlLoadOptions {
  /** Limits per output, e.g. `{ Y: { min: -1, max: 1, finite: true, maxAbsChange: 0.5 } }`. */
  guards?: GuardSpec;
  /** What a violation does: refuse the request (default), clamp the value, or answer `whenHalted`'s fixed answer for that row. */
  onViolation?: ViolationPolicy;
  /** A fixed safe answer given instead of HALTED while the model is halted (and the `fallback` answer). */
  whenHalted?: FixedAnswer;
}

/** The trading controls' part in load (src/controls): checks the control options, then arms the model. */
export interface ServingControls {
  prepare(input: { model: string; route?: string; version: number | null; signature: ModelSignature; options: ControlLoadOptions }): Promise<(served: ServedModel) => void>;
}
