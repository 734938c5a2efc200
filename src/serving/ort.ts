import type * as Ort from 'onnxruntime-node';
import { FailedPreconditionError } from '../core/errors.js';
import { isMissingNativeAddon, missingNativeAddonError } from '../core/native-addon.js';

export type OrtModule = typeof Ort;

let loaded: Promise<OrtModule> | undefined;

/** onnxruntime-node, loaded on first use so a runtime that never serves never loads it. */
export function loadOrt(): Promise<OrtModule> {
  loaded ??= import('onnxruntime-node')
    .then((m) => {
      const ort = ((m as unknown as { default?: OrtModule }).default ?? m) as OrtModule;
      // Every failure onnxruntime logs (a kernel refusing a shape, a CUDA library that is absent)
      // also reaches the caller as an MlopsError carrying onnxruntime's message, so its own red
      // stderr lines are duplicates in the host's log. Quiet unless the host chose a level itself.
      if (ort.env.logLevel === undefined || ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
      return ort;
    })
    .catch((err: unknown) => {
      loaded = undefined;
      if (isMissingNativeAddon(err)) throw missingNativeAddonError('onnxruntime-node', err, 'Serving');
      throw new FailedPreconditionError(`Serving needs onnxruntime-node: ${(err as Error).message}`, { cause: err });
    });
  return loaded;
}

type Feeds = Record<string, Ort.Tensor>;
export type SessionRunner = (feeds: Feeds) => Promise<Record<string, Ort.Tensor>>;

interface SessionHandler {
  run(feeds: Feeds, fetches: Record<string, null>, options: Record<string, never>): Promise<Record<string, Ort.Tensor>>;
}

/**
 * How the batcher runs a session. For an onnxruntime-node session it calls the session's backend
 * handler, as InferenceSession.run does after re-checking feeds and fetches and before another
 * promise turn: our signature check has already made those checks, and skipping them saved 0.4 µs
 * of a 9 µs batch-1 run (bench/suites/serving.ts; .run 9.06 µs, handler 8.67 µs p50). The handler is
 * onnxruntime-common's `InferenceSession.handler` (1.x); a session without one (a worker session, a
 * future onnxruntime) goes through run(). test/serving/serving.test.ts says which one is in use.
 */
export function sessionRunner(session: Ort.InferenceSession): SessionRunner {
  const handler = (session as unknown as { handler?: Partial<SessionHandler> }).handler;
  const names = (session as { outputNames?: unknown }).outputNames;
  if (handler !== undefined && handler !== null && typeof handler.run === 'function' && Array.isArray(names) && names.length > 0 && names.every((n) => typeof n === 'string')) {
    const run = handler.run.bind(handler);
    const fetches: Record<string, null> = {};
    for (const name of names as string[]) fetches[name] = null;
    Object.freeze(fetches);
    const options = Object.freeze({}) as Record<string, never>;
    const runner: SessionRunner = (feeds) => run(feeds, fetches, options);
    return Object.assign(runner, { direct: true });
  }
  return Object.assign((feeds: Feeds) => session.run(feeds), { direct: false });
}
