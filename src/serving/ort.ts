import type * as Ort from 'onnxruntime-node';
import { FailedPreconditionError } from '../core/errors.js';

export type OrtModule = typeof Ort;

let loaded: Promise<OrtModule> | undefined;

/** onnxruntime-node, loaded on first use so a runtime that never serves never loads it. */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= import('onnxruntime-node')
    .then((m) => ((m as unknown as { default?: OrtModule }).default ?? m) as OrtModule)
    .catch((err: unknown) => {
      loaded = undefined;
      throw new FailedPreconditionError(`Serving needs onnxruntime-node: ${(err as Error).message}`, { cause: err });
    });
  return loaded;
}
