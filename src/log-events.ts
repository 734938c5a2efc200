import type { EventBus } from './core/events.js';
import type { MlopsEvents } from './events.js';
import type { MlopsLogger } from './core/logger.js';
import { traceFields } from './core/tracing.js';

/**
 * Writes the runtime's notable events to a structured logger, with the active trace's ids: warnings and
 * fallbacks at warn, registry decisions and alias moves at info, drift at warn. Returns the unsubscriber.
 */
export function logEvents(events: EventBus<MlopsEvents>, logger: MlopsLogger): () => void {
  const windows = new Map<string, { minute: number; count: number }>();
  const firstPerMinute = (key: string): boolean => {
    const minute = Math.floor(Date.now() / 60_000);
    const w = windows.get(key);
    if (w === undefined || w.minute !== minute) {
      if (windows.size > 1000) windows.clear();
      windows.set(key, { minute, count: 1 });
      return true;
    }
    return ++w.count <= 10;
  };
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
    events.on('controls.halted', (e) =>
      logger.warn({ ...traceFields(), event: 'controls.halted', target: e.target, halted_by: e.haltedBy, reason: e.reason }, `HALT ${JSON.stringify(e.target)} by ${e.haltedBy}: ${e.reason}`),
    ),
    events.on('controls.resumed', (e) => logger.warn({ ...traceFields(), event: 'controls.resumed', target: e.target }, `resumed ${JSON.stringify(e.target)}`)),
    events.on('controls.guard.violation', (e) =>
      // A model gone wrong can violate on every call: the first 10 per model per minute are logged.
      firstPerMinute(e.model) &&
      logger.warn(
        { ...traceFields(), event: 'controls.guard.violation', model: e.model, version: e.version, output: e.output, guard: e.guard, value: e.value, action: e.action },
        `guard ${e.guard} on ${e.model}.${e.output}: ${e.value} (${e.action})`,
      ),
    ),
    events.on('drift.detected', (e) =>
      logger.warn({ ...traceFields(), event: 'drift.detected', model: e.model, share: e.report.share }, `drift detected for ${e.model}: ${Math.round(e.report.share * 100)}% of columns`),
    ),
  ];
  return () => offs.forEach((off) => off());
}
