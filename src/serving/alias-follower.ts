import { MlopsError } from '../core/errors.js';
import type { ServingBus } from './events.js';
import { withColumns, type InputColumns } from '../registry/index.js';
import type { ModelArtifacts, ModelSignature } from '../registry/index.js';
import type { OrtModule } from './ort.js';
import { createSession, type ServedModel, type SessionOptions } from './served-model.js';
import { runWarmup, warmupPlan, type WarmupOptions } from './warmup.js';

/**
 * Keeps a model loaded by alias on the alias: on registry events in this process, and on changes
 * made by other processes (signalled, or polled at least every pollIntervalMs), the new version is loaded and warmed in the background, then
 * traffic switches at once. When the alias disappears (a revocation), the most recent previously
 * served version that is still approved takes over; with none, requests fail with UNAVAILABLE.
 */
export function followAlias(
  ort: OrtModule,
  model: ServedModel,
  ref: string,
  modelName: string,
  alias: string,
  registry: ModelArtifacts,
  events: ServingBus,
  options: SessionOptions & { pollIntervalMs: number; warmup?: boolean | WarmupOptions; columns?: InputColumns },
): () => void {
  const served: number[] = model.version === null ? [] : [model.version];
  let running: Promise<void> = Promise.resolve();

  const load = async (version: number) => {
    const resolved = await registry.resolve(`${modelName}/${version}`);
    if (resolved.approval !== 'approved') throw new MlopsError('FAILED_PRECONDITION', `${modelName}/${version} is ${resolved.approval}`);
    // Requests are checked and built against the served signature: a version whose inputs differ
    // (names, types, shapes, column names) would get inputs built for another model.
    const incoming = withColumns(resolved.signature ?? model.signature, options.columns, 'columns');
    const difference = inputDifference(model.signature, incoming);
    if (difference !== undefined) {
      throw new MlopsError('FAILED_PRECONDITION', `${modelName}/${version} takes other inputs than the version being served (${difference}); load it as a new model`);
    }
    const { bytes } = await registry.loadVerifiedArtifact(`${modelName}/${version}`);
    const { session } = await createSession(ort, bytes, { ...options, executionProviders: [model.provider] }, events, `${modelName}/${version}`);
    // Warm the new session before it takes traffic; one that cannot run is released, not kept.
    const plan = warmupPlan(options.warmup, model.signature);
    if (plan !== null) {
      try {
        await runWarmup(ort, session, plan);
      } catch (err) {
        await session.release().catch(() => undefined);
        throw err;
      }
    }
    return session;
  };

  const check = async () => {
    let target: number;
    try {
      target = (await registry.resolve(ref)).version;
    } catch (err) {
      if (!(err instanceof MlopsError) || err.code !== 'NOT_FOUND') throw err;
      // The alias is gone: fall back to the newest earlier version that is still approved.
      for (const version of [...served].reverse()) {
        if (version === model.version) continue;
        try {
          const session = await load(version);
          model.swapTo(session, version, 'revoked-fallback');
          served.push(version);
          return;
        } catch {
          // Not approved any more (or gone): try an older one.
        }
      }
      if (model.version !== null) model.suspend(`${ref} has no approved version to serve (the alias was removed)`);
      return;
    }
    if (target === model.version) return;
    const session = await load(target);
    model.swapTo(session, target, 'alias-moved');
    served.push(target);
  };

  const schedule = () => {
    running = running.then(check).catch((err: unknown) => {
      events.emit('warning', { source: 'serving', message: `${ref}: could not follow the alias (${(err as Error).message}); still serving v${model.version}`, cause: err });
    });
  };

  const offs = [
    events.on('registry.alias.set', (e) => e.name === modelName && e.alias === alias && schedule()),
    events.on('registry.alias.removed', (e) => e.name === modelName && e.alias === alias && schedule()),
  ];
  // Changes made by other processes: the registry reads the change sequence (woken by the change
  // signal, or by this timer as a floor) and tells every follower, so none consumes another's news.
  offs.push(registry.onChange(schedule));
  const timer = setInterval(() => void registry.poll().catch(() => undefined), options.pollIntervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    for (const off of offs) off();
  };
}

/** How two signatures' inputs differ, in words (symbolic dimensions match any name); undefined when a request built for one fits the other. */
export function inputDifference(served: ModelSignature, incoming: ModelSignature): string | undefined {
  const describe = (sig: ModelSignature) =>
    sig.inputs.map((i) => `${i.name}: ${i.elementType ?? i.kind} [${(i.shape ?? []).map((d) => (typeof d === 'number' ? d : '?')).join(', ')}]${i.columns ? ` (${i.columns.join(', ')})` : ''}`).join('; ');
  const a = describe(served);
  const b = describe(incoming);
  return a === b ? undefined : `served ${a}; new ${b}`;
}
