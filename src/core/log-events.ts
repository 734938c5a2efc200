import type { EventBus, MlopsEvents } from './events.js';
import type { MlopsLogger } from './logger.js';
import { traceFields } from './tracing.js';

/**
 * Writes the runtime's notable events to a structured logger, with the active trace's ids: warnings and
 * fallbacks at warn, registry decisions and alias moves at info, drift at warn. Returns the unsubscriber.
 */
export function logEvents(events: EventBus<MlopsEvents>, logger: MlopsLogger): () => void {
  const offs = [
    events.on('warning', (e) => logger.warn({ ...traceFields(), event: 'warning', source: e.source, err: e.cause }, e.message)),
    events.on('registry.approval.changed', (e) =>
      logger.info({ ...traceFields(), event: 'registry.approval.changed', model: e.name, version: e.version, from: e.from, to: e.to, actor: e.actor, reason: e.reason }, `${e.name}/${e.version}: ${e.from} -> ${e.to} by ${e.actor}`),
    ),
    events.on('registry.alias.set', (e) =>
      logger.info({ ...traceFields(), event: 'registry.alias.set', model: e.name, alias: e.alias, version: e.version, previous_version: e.previousVersion }, `${e.name}@${e.alias} -> ${e.version}`),
    ),
    events.on('registry.alias.removed', (e) =>
      logger.warn({ ...traceFields(), event: 'registry.alias.removed', model: e.name, alias: e.alias, version: e.version, cause: e.cause }, `${e.name}@${e.alias} removed (${e.cause})`),
    ),
    events.on('drift.detected', (e) =>
      logger.warn({ ...traceFields(), event: 'drift.detected', model: e.model, share: e.report.share }, `drift detected for ${e.model}: ${Math.round(e.report.share * 100)}% of columns`),
    ),
  ];
  return () => offs.forEach((off) => off());
}
