import { FailedPreconditionError } from './errors.js';

/**
 * Loads an optional peer dependency on first use, so that an embedded user never loads `pg`, `ioredis`
 * or the S3 SDK. A missing package becomes an error that says what to install. Returns the module
 * namespace; use `pickExport` to read a CommonJS export through ESM interop.
 *
 * The caller passes the `import()` itself (`() => import('pg')`), written out with a literal name, so
 * that dependency-cruiser sees which file loads which driver (rule drivers-only-in-adapters) and
 * bundlers see the dependency; `pkg` only names it in the error.
 */
export async function importOptional(load: () => Promise<unknown>, pkg: string, purpose: string): Promise<Record<string, unknown>> {
  try {
    return (await load()) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new FailedPreconditionError(`${purpose} needs the optional package "${pkg}": run npm install ${pkg}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Reads a named export from a namespace, looking through `default` for CommonJS modules. */
export function pickExport<T>(ns: Record<string, unknown>, name: string): T {
  const direct = ns[name];
  if (direct !== undefined) return direct as T;
  const fallback = (ns.default as Record<string, unknown> | undefined)?.[name];
  if (fallback !== undefined) return fallback as T;
  throw new FailedPreconditionError(`The installed package does not export ${name}`);
}
