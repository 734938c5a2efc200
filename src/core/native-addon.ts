import { FailedPreconditionError } from './errors.js';

/**
 * How a package with a compiled addon fails when its `.node` file is absent or was built for another
 * Node.js: `bindings` (better-sqlite3) says "Could not locate the bindings file", `require` of a
 * missing path says MODULE_NOT_FOUND with the `.node` path, and a file built for another ABI fails
 * dlopen. npm >= 11 skips install scripts that the app's `allowScripts` does not allow, and a
 * skipped better-sqlite3 script leaves exactly this state behind.
 */
export function isMissingNativeAddon(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (e?.code === 'ERR_DLOPEN_FAILED') return true;
  if (/Could not locate the bindings file|NODE_MODULE_VERSION|invalid ELF header|wrong ELF class/.test(message)) return true;
  return (e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && /\.node\b/.test(message);
}

/** What to do about it, as an error: which package, why it happens, the commands that fix it. */
export function missingNativeAddonError(pkg: string, err: unknown, why: string): FailedPreconditionError {
  const first = ((err as { message?: unknown } | null)?.message ?? String(err)) as string;
  return new FailedPreconditionError(
    `${why} needs the native addon of "${pkg}", which is not installed or was built for another Node.js ` +
      `(${first.split('\n')[0] ?? ''}). Its install script probably did not run: with npm >= 11 allow it in your ` +
      `app's package.json ("allowScripts": { "${pkg}": true }), then run "npm rebuild ${pkg}".`,
    { cause: err, details: { package: pkg } },
  );
}
