/**
 * The structured logger the runtime writes to: pino's call shape (`logger.warn({ fields }, 'message')`),
 * so a pino logger — or anything with the same four methods, such as a pino child — plugs in as it is.
 * The runtime has none by default (an embedded library stays silent); `mlops server` and the CLI log pino
 * JSON to stdout.
 */
export interface MlopsLogger {
  error(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  debug(obj: Record<string, unknown>, msg?: string): void;
}

export function isLogger(value: unknown): value is MlopsLogger {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return ['error', 'warn', 'info', 'debug'].every((m) => typeof v[m] === 'function');
}
