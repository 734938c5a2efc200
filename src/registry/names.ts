import { InvalidArgumentError } from '../core/errors.js';

const MODEL_NAME = /^[\w.-](?:[\w. -]*[\w.-])?$/;
const ALIAS = /^[\w-]*$/;

/**
 * Registered model names: 1-256 characters of letters, digits, `_ . -` and inner spaces. `/`, `:`
 * and `@` are refused because `name@alias` and `name/version` are how models are referred to.
 */
export function checkModelName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 256 || !MODEL_NAME.test(name)) {
    throw new InvalidArgumentError(
      `Invalid ${field}: ${JSON.stringify(name)} must be 1-256 characters of letters, digits, "_", ".", "-" and inner spaces`,
      { details: { field, value: name } },
    );
  }
  return name;
}

/** MLflow's alias rule (`^[\w\-]*$`, <= 255), with `latest` and `v<digits>` reserved. */
export function checkAlias(alias: unknown, field = 'alias'): string {
  if (typeof alias !== 'string' || alias.length === 0 || alias.length > 255 || !ALIAS.test(alias)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(alias)} must be 1-255 characters of letters, digits, "_" and "-"`, {
      details: { field, value: alias },
    });
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(alias)} is reserved ("latest" and v<number> name versions)`, {
      details: { field, value: alias },
    });
  }
  return alias;
}

export function checkVersion(version: unknown, field = 'version'): number {
  const n = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(version)} must be a positive whole number`, { details: { field, value: version } });
  }
  return n;
}

/** A reference to a model version: `name@alias`, `name/3`, `name@latest`, optionally `models:/…`. */
export function parseModelRef(ref: unknown): { name: string; alias: string } | { name: string; version: number } {
  if (typeof ref !== 'string' || ref.length === 0) throw new InvalidArgumentError(`Invalid ref: ${JSON.stringify(ref)} must be name@alias or name/version`);
  const text = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref;
  const at = text.lastIndexOf('@');
  if (at > 0) {
    const alias = text.slice(at + 1);
    const name = checkModelName(text.slice(0, at), 'ref');
    if (alias === 'latest') return { name, alias };
    return { name, alias: checkAlias(alias, 'ref alias') };
  }
  const slash = text.lastIndexOf('/');
  if (slash > 0) return { name: checkModelName(text.slice(0, slash), 'ref'), version: checkVersion(text.slice(slash + 1), 'ref version') };
  throw new InvalidArgumentError(`Invalid ref: ${JSON.stringify(ref)} must be name@alias, name@latest or name/version`);
}
